# Guest side of 40-power.sh: the first boot marks the disk and reboots the
# machine (reboot -f: the kernel's own reset, not our init); the second boot
# finds the mark and exits 0 through the exit port. The disk is the only
# memory a machine keeps across a reset.
mark=$(dd if=/dev/vda bs=16 count=1 2>/dev/null | tr -d '\0')
if [ "$mark" = minivmm-booted-1 ]; then
	echo REBOOT-SECOND-BOOT
	exit 0
fi
echo REBOOT-FIRST-BOOT
printf minivmm-booted-1 | dd of=/dev/vda bs=16 count=1 conv=fsync 2>/dev/null
sync
reboot -f
sleep 10
echo REBOOT-DID-NOT-HAPPEN
exit 7
