# PVH: the same stock kernel as an uncompressed ELF vmlinux (make guest's
# build/guest/vmlinux) boots through its PVH entry (32-bit protected mode,
# hvm_start_info) with 1 and 2 vCPUs, and a guest reboot enters through PVH
# again. The bzImage's boot time at the same shape is printed alongside.

PVH_VMLINUX=${VMLINUX:-build/guest/vmlinux}
pvh_bzimage=$KERNEL

# pvh_result NAME OK WHAT DETAIL: pass WHAT when OK is 0, else fail it with
# DETAIL and the logs of vm_test NAME.
pvh_result() {
	if [ "$2" = 0 ]; then
		pass "$3"
	else
		fail "$3" "$4"
		show_log "$T/$1.log"
		show_log "$T/$1.err"
	fi
}

# pvh_smoke NAME CPUS: boot the vmlinux with the smoke guest test; it must
# run to its end with CPUS CPUs, say so and exit 0.
pvh_smoke() {
	vm_test "$1" smoke --cpus "$2" --mem 256M --boot-time
	ms=$(sed -n 's/^minivmm: boot-time-ms=//p' "$T/$1.err")
	nproc=$(tr -d '\r' <"$T/$1.log" | sed -n 's/^smoke: nproc: //p')
	[ "$VM_STATUS" = 0 ] && [ "$nproc" = "$2" ] && [ -n "$ms" ] &&
		tr -d '\r' <"$T/$1.log" | grep -q '^smoke: ok$'
	pvh_result "$1" $? "vmlinux (PVH) with $2 vCPU: smoke test ran, status 0, boot-time-ms=$ms" \
		"status $VM_STATUS, nproc '$nproc', boot-time-ms '$ms'"
}

if [ -f "$PVH_VMLINUX" ]; then
	KERNEL=$PVH_VMLINUX
	pvh_smoke pvh-1cpu 1
	pvh_ms=$ms
	pvh_smoke pvh-2cpu 2

	# The reset path reads the vmlinux again and enters through PVH: the
	# second boot finds the first one's mark on the disk (tests/guest/reboot.sh;
	# 40-power.sh does the same with the bzImage).
	dd if=/dev/zero of="$T/pvh-reboot.img" bs=1M count=1 2>/dev/null
	vm_test pvh-reboot reboot --disk "$T/pvh-reboot.img" --timeout 150
	boots=$(tr -d '\r' <"$T/pvh-reboot.log" | grep -E '^REBOOT-(FIRST|SECOND)-BOOT$' | tr '\n' ' ')
	[ "$VM_STATUS" = 0 ] && [ "$boots" = "REBOOT-FIRST-BOOT REBOOT-SECOND-BOOT " ]
	pvh_result pvh-reboot $? "a vmlinux guest's reboot boots it again through PVH (status 0)" \
		"status $VM_STATUS, boots seen: '$boots'"

	# For comparison, not a check: the bzImage (in-guest decompression) at
	# the same shape.
	KERNEL=$pvh_bzimage
	vm_test pvh-bzimage smoke --cpus 1 --mem 256M --boot-time
	echo "#    boot-time-ms at 1 vCPU, 256 MiB: vmlinux (PVH) $pvh_ms," \
		"bzImage $(sed -n 's/^minivmm: boot-time-ms=//p' "$T/pvh-bzimage.err") (status $VM_STATUS)"
else
	fail "vmlinux (PVH)" "$PVH_VMLINUX is missing (make guest)"
fi
KERNEL=$pvh_bzimage
