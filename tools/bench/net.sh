#!/bin/sh
# Network: TCP throughput guest -> host and host -> guest (HTTP, busybox
# httpd + wget, MIB MiB each way) and ping latency guest -> host, minivmm vs
# QEMU (pc, -accel kvm, virtio-net-pci on a TAP, no vhost: both move frames
# in user space), same guest, 1 vCPU, 512 MiB, runs interleaved. Everything
# happens in a network namespace this script creates, on link-local
# addresses. Needs /dev/kvm and root (tools/bench/run.sh provides both
# through tools/kvmbox). Prints a Markdown table.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
RUNS=${RUNS:-3}
MIB=${MIB:-32}
MEM=512M
TAP=mvbench0
HOST_IP=169.254.30.1
GUEST_IP=169.254.30.2
R=$(mktemp -d)
NS=$R/netns
in_ns() { nsenter --net="$NS" "$@"; }
centis() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

: >"$NS"
unshare --net="$NS" true || { echo "bench net: cannot create a network namespace" >&2; exit 1; }
in_ns ip link set lo up
mkdir -p "$R/www"
dd if=/dev/urandom of="$R/www/h2g" bs=1M count="$MIB" 2>/dev/null
GUEST_ARGS="$BENCH_CMDLINE minivmm.test=net_bench mvnet.addr=$GUEST_IP/24 mvnet.host=$HOST_IP mvnet.mib=$MIB"

# run_one NAME OK_STATUS COMMAND...: boot, serve and fetch, append results
# to $R/NAME-*. OK_STATUS: the VMM's exit status when the guest exits 0.
run_one() {
	name=$1 ok=$2
	shift 2
	rm -f "$R/www/release" "$R/log"
	in_ns timeout "${VM_TIMEOUT:-900}" "$@" >"$R/out" 2>&1 &
	vmm=$!
	n=0
	until in_ns ip link show dev "$TAP" >/dev/null 2>&1 || [ $n -gt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	in_ns ip addr add "$HOST_IP/24" dev "$TAP"
	in_ns ip link set "$TAP" up
	# A child of the previous run's httpd may still hold the port a moment.
	n=0
	while :; do
		in_ns httpd -f -p "$HOST_IP:8080" -h "$R/www" 2>/dev/null &
		httpd=$!
		sleep 0.3
		kill -0 "$httpd" 2>/dev/null || [ $n -gt 50 ] || { n=$((n + 1)); continue; }
		break
	done
	n=0
	until tr -d '\r' <"$R/log" 2>/dev/null | grep -q 'BENCH-SERVING=1' ||
		! kill -0 "$vmm" 2>/dev/null || [ $n -gt 2400 ]; do
		sleep 0.25
		n=$((n + 1))
	done
	echo "bench net: $name: guest serving, fetching" >&2
	t0=$(centis)
	in_ns wget -q -O /dev/null "http://$GUEST_IP:8080/g2h" && t1=$(centis) || t1=
	touch "$R/www/release"
	wait "$vmm"
	st=$?
	kill "$httpd" 2>/dev/null
	wait "$httpd" 2>/dev/null
	h2g=$(tr -d '\r' <"$R/log" | sed -n 's/.*BENCH-H2G-CS=//p')
	ping=$(tr -d '\r' <"$R/log" | sed -n 's/.*BENCH-PING-AVG-MS=//p')
	if [ "$st" != "$ok" ] || [ -z "$h2g" ] || [ -z "$t1" ]; then
		echo "bench net: $name run failed (status $st)" >&2
		tail -n 15 "$R/log" "$R/out" >&2
		return
	fi
	mbit() { awk -v cs="$1" -v mib="$MIB" 'BEGIN { printf "%.1f\n", mib * 8 * 1.048576 / (cs / 100) }'; }
	mbit "$h2g" >>"$R/$name-h2g"
	mbit "$((t1 - t0))" >>"$R/$name-g2h"
	echo "$ping" >>"$R/$name-ping"
}

i=1
while [ "$i" -le "$RUNS" ]; do
	echo "bench net: run $i/$RUNS" >&2
	run_one minivmm 0 build/minivmm --kernel build/guest/vmlinux \
		--initrd build/guest/initramfs.cpio.gz --mem "$MEM" --console "file=$R/log" \
		--net "tap=$TAP" --append "$GUEST_ARGS"
	# isa-debug-exit: QEMU exits with (status << 1) | 1.
	# shellcheck disable=SC2086
	run_one qemu 1 $QEMU_PC -m "$MEM" -serial "file:$R/log" -append "$GUEST_ARGS" \
		-device isa-debug-exit,iobase=0xf4,iosize=1 \
		-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no,vhost=off" \
		-device virtio-net-pci,netdev=n0,romfile=
	i=$((i + 1))
done

echo
echo "## Network ($RUNS runs each, interleaved, 1 vCPU, $MEM, $MIB MiB per direction over HTTP)"
echo
table_head
compare_row "TCP guest -> host (Mbit/s)" "$R/minivmm-g2h" "$R/qemu-g2h"
compare_row "TCP host -> guest (Mbit/s)" "$R/minivmm-h2g" "$R/qemu-h2g"
compare_row "ping guest -> host avg (ms)" "$R/minivmm-ping" "$R/qemu-ping"
echo
for f in minivmm-g2h qemu-g2h minivmm-h2g qemu-h2g minivmm-ping qemu-ping; do
	echo "raw $f: $(tr '\n' ' ' <"$R/$f")"
done
umount "$NS" 2>/dev/null
rm -rf "$R"
