# Guest side of 40-power.sh: what the kernel made of minivmm's ACPI tables,
# as KEY=value lines, then the tables themselves (base64) for iasl -d.
echo "ACPI-TABLES=$(ls /sys/firmware/acpi/tables 2>/dev/null | tr '\n' ' ')"
echo "ACPI-CPUS=$(grep -c '^processor' /proc/cpuinfo)"
echo "ACPI-POSSIBLE=$(cat /sys/devices/system/cpu/possible)"
echo "ACPI-PRESENT=$(cat /sys/devices/system/cpu/present)"
# The kernel's complaints about firmware, one line each, and their count.
dmesg | grep -E 'ACPI (BIOS )?(Error|Warning)|\[Firmware Bug\]' | sed 's/^/ACPI-COMPLAINT: /'
echo "ACPI-COMPLAINTS=$(dmesg | grep -cE 'ACPI (BIOS )?(Error|Warning)|\[Firmware Bug\]')"
echo "ACPI-POWER-BUTTON=$(cat /sys/class/input/event*/device/name 2>/dev/null | grep -c 'Power Button')"
echo "ACPI-PVPANIC=$(ls /sys/bus/platform/drivers/pvpanic-mmio 2>/dev/null | grep -c QEMU0001)"
echo "ACPI-COM1=$(cat /sys/class/tty/ttyS0/port 2>/dev/null)"
for t in /sys/firmware/acpi/tables/*; do
	[ -f "$t" ] || continue
	echo "ACPI-TABLE-BEGIN ${t##*/}"
	base64 "$t"
	echo "ACPI-TABLE-END ${t##*/}"
done
exit 0
