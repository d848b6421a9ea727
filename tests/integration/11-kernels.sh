# Both kinds of --kernel: the suite boots the uncompressed ELF vmlinux through
# its PVH entry (lib.sh's default, the faster one); this file keeps the
# bzImage (16/64-bit boot protocol, in-guest decompression) covered with 1 and
# 2 vCPUs and through a guest reboot, and prints both boot times side by side.

# kernel_result NAME OK WHAT DETAIL: pass WHAT when OK is 0, else fail it with
# DETAIL and the logs of vm_test NAME.
kernel_result() {
	if [ "$2" = 0 ]; then
		pass "$3"
	else
		fail "$3" "$4"
		show_log "$T/$1.log"
		show_log "$T/$1.err"
	fi
}

# kernel_smoke NAME KIND CPUS: boot KERNEL with the smoke guest test; it must
# run to its end with CPUS CPUs, say so and exit 0.
kernel_smoke() {
	vm_test "$1" smoke --cpus "$3" --mem 256M --boot-time
	ms=$(sed -n 's/^minivmm: boot-time-ms=//p' "$T/$1.err")
	nproc=$(tr -d '\r' <"$T/$1.log" | sed -n 's/^smoke: nproc: //p')
	[ "$VM_STATUS" = 0 ] && [ "$nproc" = "$3" ] && [ -n "$ms" ] &&
		tr -d '\r' <"$T/$1.log" | grep -q '^smoke: ok$'
	kernel_result "$1" $? "$2 with $3 vCPU: smoke test ran, status 0, boot-time-ms=$ms" \
		"status $VM_STATUS, nproc '$nproc', boot-time-ms '$ms'"
}

suite_kernel=$KERNEL
if [ -f "$VMLINUX" ] && [ -f "$BZIMAGE" ]; then
	KERNEL=$VMLINUX
	kernel_smoke pvh-1cpu "vmlinux (PVH)" 1
	pvh_ms=$ms

	KERNEL=$BZIMAGE
	kernel_smoke bzimage-1cpu bzImage 1
	bz_ms=$ms
	kernel_smoke bzimage-2cpu bzImage 2

	# The reset path reads the bzImage again and enters through its 64-bit
	# entry: the second boot finds the first one's mark on the disk
	# (tests/guest/reboot.sh; 40-power.sh does the same with the vmlinux).
	dd if=/dev/zero of="$T/bz-reboot.img" bs=1M count=1 2>/dev/null
	vm_test bz-reboot reboot --disk "$T/bz-reboot.img" --timeout 150
	boots=$(tr -d '\r' <"$T/bz-reboot.log" | grep -E '^REBOOT-(FIRST|SECOND)-BOOT$' | tr '\n' ' ')
	[ "$VM_STATUS" = 0 ] && [ "$boots" = "REBOOT-FIRST-BOOT REBOOT-SECOND-BOOT " ]
	kernel_result bz-reboot $? "a bzImage guest's reboot boots the bzImage again (status 0)" \
		"status $VM_STATUS, boots seen: '$boots'"

	echo "#    boot-time-ms at 1 vCPU, 256 MiB: vmlinux (PVH) $pvh_ms, bzImage $bz_ms"
else
	fail "kernels" "$VMLINUX or $BZIMAGE is missing (make guest)"
fi
KERNEL=$suite_kernel
