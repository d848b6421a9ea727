# Included by the main Makefile. make image: build/image/debian.img, vmlinuz and
# initrd.img, a Debian 12 booted from a disk (tools/image/build-debian.sh: root, first
# run, ~2 min from Debian's mirror; then cached by content in build/image/ and in
# /var/cache/minivmm/image/, which may be deleted at any time). make demo-debian: boot
# it in minivmm and show the guest (tools/image/demo-debian.sh).
.PHONY: image demo-debian

# The script decides whether there is anything to do (its key), so the rule always runs.
image:
	@tools/deps.sh --image
	@tools/image/build-debian.sh build/image

demo-debian: deps image
	@$(MAKE) --no-print-directory all
	tools/image/demo-debian.sh
