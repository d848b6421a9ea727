# Guest side of tests/integration/17-jail.sh: the disk and the NIC of a VM
# whose VMM runs in --jail. Parameters on the kernel command line:
#   mvjail.host=IP   the host's end of the TAP (the guest takes IP's .2)
# Prints JAIL-* lines for the host, then stays up until the power button.
set -u
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^mvjail\.$1=//p" | head -n 1; }
status=0

echo "JAIL-DISK-READ=$(head -c 17 /dev/vda)"
if printf 'written-in-jail' | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null; then
	echo "JAIL-DISK-WRITE=ok"
else
	echo "JAIL-DISK-WRITE=fail"
	status=1
fi

host=$(arg host)
ip addr add "${host%.*}.2/24" dev eth0 && ip link set eth0 up || status=1
n=0
until ping -c 1 -W 1 "$host" >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 90 ] || break
done
if ping -c 3 -i 0.2 "$host" >/dev/null 2>&1; then
	echo "JAIL-PING=ok"
else
	echo "JAIL-PING=fail"
	status=1
fi
echo "JAIL-READY=$status"
# The host checks the jailed VMM, then presses the power button (SIGTERM to
# the minivmm outside the jail, relayed in). Bounded, like every wait.
n=0
while [ $n -lt 600 ]; do
	sleep 1
	n=$((n + 1))
done
exit 1
