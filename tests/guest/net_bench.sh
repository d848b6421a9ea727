# Guest side of tools/bench/net.sh. Kernel command line parameters:
#   mvnet.addr=A/P   eth0's address     mvnet.host=IP   the host end
#   mvnet.mib=N      MiB per direction
# Prints ping latency and the host -> guest transfer time, then serves N MiB
# for the host to fetch (guest -> host) until the host serves /release.
set -u
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^mvnet\.$1=//p" | head -n 1; }
centis() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
host=$(arg host)
mib=$(arg mib)
ip addr add "$(arg addr)" dev eth0 && ip link set eth0 up || exit 1
n=0
until ping -c 1 -W 1 "$host" >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 90 ] || exit 2
done
echo "BENCH-PING-AVG-MS=$(ping -c 20 -i 0.2 "$host" | sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/\1/p')"
t0=$(centis)
wget -q -O /dev/null "http://$host:8080/h2g" || exit 3
t1=$(centis)
echo "BENCH-H2G-CS=$((t1 - t0))"
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/g2h bs=1M count="$mib" 2>/dev/null
httpd -p 8080 -h /tmp/www || exit 4
echo "BENCH-SERVING=1"
n=0
until wget -q -O /dev/null "http://$host:8080/release" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 600 ] || exit 5
	sleep 0.5
done
exit 0
