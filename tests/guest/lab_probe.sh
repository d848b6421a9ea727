# tools/lab isolation: what this machine looks like from the inside. Runs
# unchanged as a VM's test script and as a container's command; prints
# "LAB-PROBE key=value" lines the host lays side by side.
p() { echo "LAB-PROBE $1=$2"; }
p kernel "$(uname -r)"
# Random per kernel boot: equal for the host and its containers, the VM's own.
p kernel_boot_id "$(cut -c1-8 /proc/sys/kernel/random/boot_id)"
p hostname "$(hostname)"
p pid1 "$(cat /proc/1/comm)"
p my_pid "$$"
p cpus "$(grep -c '^processor' /proc/cpuinfo)"
p mem_total_mib "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
p mem_limit "$(cat /sys/fs/cgroup/memory.max 2>/dev/null || echo none)"
p mounts "$(wc -l </proc/mounts)"
p root_fs "$(awk '$2 == "/" { t = $3 } END { print t }' /proc/mounts)"
p net_ifs "$(ls /sys/class/net 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
p processes "$(ls -d /proc/[0-9]* | wc -l)"
# The host runs "sleep 7777777" while the probes run: can we see it?
seen=no
for f in /proc/[0-9]*/cmdline; do
	{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q '^sleep 7777777' && seen=yes
done
p host_marker_seen "$seen"
p uptime_s "$(cut -d' ' -f1 /proc/uptime)"
p uid_map "$(awk '{ printf "%s:%s:%s", $1, $2, $3 }' /proc/self/uid_map)"
# Not "[ -w ]": busybox test says yes to root for any file.
if [ ! -e /proc/sysrq-trigger ]; then
	p sysrq_trigger absent
elif awk '$5 == "/proc/sysrq-trigger" && $6 ~ /^ro(,|$)/ { f = 1 } END { exit !f }' /proc/self/mountinfo; then
	p sysrq_trigger read-only
else
	p sysrq_trigger writable
fi
exit 0
