# Shared by the benchmarks (POSIX sh, runs inside tools/kvmbox too).
# QEMU as the peer: where its firmware lives in the box, and how to get it there.

QEMU_FW=/qemu-fw
QEMU_FILES="/usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin
/usr/share/qemu/kvmvapic.bin /usr/share/qemu/multiboot_dma.bin
/usr/share/seabios/bios-microvm.bin /usr/share/qemu/pvh.bin"
. guest/cmdline.sh
BENCH_CMDLINE=$GUEST_CMDLINE
VMMSTAT=${VMMSTAT:-build/vmmstat}

# The tools/kvmbox arguments that bring QEMU and its firmware into the box.
qemu_kvmbox_args() {
	printf -- '--add %s ' "$(command -v qemu-system-x86_64)"
	for f in $QEMU_FILES; do
		[ -f "$f" ] && printf -- '--add %s:%s/%s ' "$f" "$QEMU_FW" "${f##*/}"
	done
	# romfile= is needed for NICs without iPXE ROMs in the box.
	for f in /usr/lib/ipxe/qemu/efi-virtio.rom; do
		[ -f "$f" ] && printf -- '--add %s:%s/%s ' "$f" "$QEMU_FW" "${f##*/}"
	done
}

# QEMU's pc machine with KVM booting our kernel and initramfs, 1 vCPU: the
# peer every benchmark runs. Used unquoted ($QEMU_PC -m 128M ...): no word of
# it contains a space.
QEMU_PC="qemu-system-x86_64 -accel kvm -cpu host -M pc -smp 1 -L $QEMU_FW -nodefaults"
QEMU_PC="$QEMU_PC -nographic -no-reboot -vga none -kernel build/guest/bzImage"
QEMU_PC="$QEMU_PC -initrd build/guest/initramfs.cpio.gz"

# median / p10 / p90 of the numbers on stdin (one per line).
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a n/a"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p10 = v[int((NR - 1) * 0.1) + 1]; p90 = v[int((NR - 1) * 0.9 + 0.5) + 1]
		printf "%.1f %.1f %.1f\n", m, p10, p90 }'
}

# Markdown comparison table of minivmm against its QEMU peer: table_head,
# then compare_row LABEL MINIVMM_FILE QEMU_FILE per metric (one number a line
# in each file; a missing file counts as no runs).
table_head() {
	echo "| metric | minivmm median (p10-p90) | QEMU pc median (p10-p90) | ratio minivmm/QEMU |"
	echo "|---|---|---|---|"
}

compare_row() {
	touch "$2" "$3"
	# shellcheck disable=SC2046
	set -- "$1" $(stats <"$2") $(stats <"$3")
	echo "| $1 | $2 ($3-$4) | $5 ($6-$7) | $(awk -v a="$2" -v b="$5" \
		'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }') |"
}

# field NAME: value of NAME=... from a vmmstat result line on stdin.
field() {
	tr ' ' '\n' | sed -n "s/^$1=//p"
}
