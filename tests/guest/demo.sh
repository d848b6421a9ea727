# What `make demo` shows: the guest's own view of its machine.
echo
echo "=== inside the minivmm guest ==="
echo "kernel:   $(uname -a)"
echo "cpus:     $(grep -c '^processor' /proc/cpuinfo) ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1))"
echo "memory:   $(awk '/^MemTotal:/ {printf "%d MiB total", $2 / 1024}' /proc/meminfo), $(awk '/^MemAvailable:/ {printf "%d MiB available", $2 / 1024}' /proc/meminfo)"
echo "uptime:   $(cut -d' ' -f1 /proc/uptime) s since the kernel started"
echo "init:     PID 1 is $(cat /proc/1/comm); modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
echo "pci:      $(ls /sys/bus/pci/devices | wc -l) devices"
echo "=== powering off ==="
