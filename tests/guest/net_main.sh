# Guest side of the network tests (tests/integration/30-net.sh). Parameters
# come from the kernel command line:
#   mvnet.addrs=A0/P[,A1/P...]  addresses for eth0, eth1, ... (link-local only)
#   mvnet.ping=IP[,IP...]       peers to ping (retried while they boot)
#   mvnet.xfer=IP               16 MiB each way over HTTP with the host at IP
#   mvnet.release=IP            stay up until the host at IP serves /release
# Prints KEY=value lines the host checks; exits 0 when every step worked.
set -u
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^mvnet\.$1=//p" | head -n 1; }
status=0
bad() { echo "NET-FAIL=$1"; status=1; }

i=0
for d in /sys/class/net/eth*; do
	[ -e "$d" ] || continue
	echo "NET-MAC-${d##*/}=$(cat "$d/address")"
	i=$((i + 1))
done
echo "NET-NICS=$i"

i=0
for a in $(arg addrs | tr ',' ' '); do
	ip addr add "$a" dev "eth$i" && ip link set "eth$i" up || bad "addr eth$i $a"
	i=$((i + 1))
done
echo "NET-READY=1"

for p in $(arg ping | tr ',' ' '); do
	n=0
	until ping -c 1 -W 1 "$p" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 90 ] || break
	done
	if out=$(ping -c 5 -i 0.2 "$p" 2>&1); then
		echo "NET-PING-$p=ok $(echo "$out" | sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/avg=\1ms/p')"
	else
		bad "ping $p"
	fi
done

host=$(arg xfer)
if [ -n "$host" ]; then
	mkdir -p /tmp/www
	dd if=/dev/urandom of=/tmp/www/g2h bs=1M count=16 2>/dev/null
	httpd -p 8080 -h /tmp/www || bad "httpd"
	echo "NET-G2H-MD5=$(md5sum </tmp/www/g2h | cut -d' ' -f1)"
	if wget -q -O /tmp/h2g "http://$host:8080/h2g"; then
		echo "NET-H2G-MD5=$(md5sum </tmp/h2g | cut -d' ' -f1) size=$(wc -c </tmp/h2g)"
	else
		bad "wget h2g"
	fi
	rm -f /tmp/h2g
fi
echo "NET-DONE=1"
# Stay up (serving, answering pings) until the host has seen enough.
host=$(arg release)
if [ -n "$host" ]; then
	n=0
	until wget -q -O /dev/null "http://$host:8080/release" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || { bad "no release"; break; }
		sleep 1
	done
fi
grep -E 'eth[0-9]' /proc/net/dev | tr -s ' ' | sed 's/^ */NET-STATS-/'
exit $status
