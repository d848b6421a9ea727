# Guest side of 40-power.sh: power off the way any userland does, through the
# kernel's reboot(RB_POWER_OFF) (busybox poweroff -f skips our init), never
# the exit port. Only ACPI S5 can end the VM with status 0 here: if it does
# not work, the script goes on and exits 7.
echo POWEROFF-NOW
poweroff -f
sleep 10
echo POWEROFF-DID-NOT-HAPPEN
exit 7
