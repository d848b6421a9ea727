# Guest side of the core boot test: report what the guest sees as KEY=value
# lines, then exit with a status the host checks (proves the exit port).
echo "GUEST-CPUS=$(grep -c '^processor' /proc/cpuinfo)"
echo "GUEST-ONLINE=$(cat /sys/devices/system/cpu/online)"
echo "GUEST-MEMTOTAL-KB=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
echo "GUEST-CMDLINE=$(cat /proc/cmdline)"
echo "GUEST-KERNEL=$(uname -r)"
echo "GUEST-PID1=$(cat /proc/1/comm)"
# Every vCPU got its own APIC ID (no two CPUs share one).
echo "GUEST-APICIDS=$(awk '/^apicid/ {print $3}' /proc/cpuinfo | sort -u | wc -l)"
exit 42
