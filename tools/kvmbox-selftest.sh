#!/bin/sh
# kvmbox-selftest.sh — check tools/kvmbox end to end (takes a few minutes under TCG):
# exit statuses, live output, stdin closed, timeout, and a nested KVM guest (QEMU
# -accel kvm inside the box booting build/guest with minivmm.test=smoke).
# Needs `make guest`. Prints one line per check and "N passed, N failed".
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
KVMBOX=$REPO/tools/kvmbox
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
pass=0 fail=0

check() { # NAME CONDITION-RESULT(0/1) DETAIL
	if [ "$2" = 0 ]; then
		pass=$((pass + 1)); echo "ok   $1"
	else
		fail=$((fail + 1)); echo "FAIL $1: $3"
	fi
}

# Exit status, output and /dev/kvm in one box; stdin closed.
"$KVMBOX" -- sh -c 'test -c /dev/kvm && echo "kvm: yes"; echo "cg: $(cat /sys/fs/cgroup/cgroup.subtree_control)"; exit 3' \
	> "$OUT" 2>&1 <&-
rc=$?
check "command exit status comes back (3)" "$([ $rc = 3 ] && echo 0)" "status $rc"
check "/dev/kvm exists in the box" "$(grep -qx 'kvm: yes' "$OUT" && echo 0)" "$(head -c 300 "$OUT")"
check "cgroup2 controllers delegated" "$(grep -q '^cg: .*memory.*pids' "$OUT" && echo 0)" "$(head -c 300 "$OUT")"
check "no boot noise or marker in the output" "$([ "$(wc -l < "$OUT")" = 2 ] && echo 0)" "$(head -c 300 "$OUT")"

"$KVMBOX" --timeout 2 -- true > "$OUT" 2>&1
rc=$?
check "--timeout gives 124" "$([ $rc = 124 ] && echo 0)" "status $rc"

if [ -f "$REPO/build/guest/bzImage" ] && [ -f "$REPO/build/guest/initramfs.cpio.gz" ]; then
	"$KVMBOX" --add "$(command -v qemu-system-x86_64)" \
		--add /usr/share/seabios/bios-256k.bin:/qemu-fw/bios-256k.bin \
		--add /usr/share/qemu/linuxboot_dma.bin:/qemu-fw/linuxboot_dma.bin \
		--add /usr/share/qemu/kvmvapic.bin:/qemu-fw/kvmvapic.bin \
		-- sh -c 'qemu-system-x86_64 -accel kvm -M pc -cpu host -m 256M -nodefaults \
			-display none -no-reboot -serial stdio -L /qemu-fw \
			-kernel build/guest/bzImage -initrd build/guest/initramfs.cpio.gz \
			-append "console=ttyS0 quiet minivmm.test=smoke" \
			-device isa-debug-exit,iobase=0xf4,iosize=1 -device virtio-rng-pci
			echo "nested status $?"' > "$OUT" 2>&1
	rc=$?
	check "nested KVM guest runs its test" "$(grep -q '^smoke: ok' "$OUT" && echo 0)" "$(tail -c 400 "$OUT")"
	check "nested guest exit status via port 0xf4" "$(grep -qx 'nested status 1' "$OUT" && echo 0)" "box status $rc"
else
	check "nested KVM guest" 1 "no build/guest (run make guest)"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
