#!/bin/sh
# Restore from a snapshot (issue 13) against a cold boot of the same guest and
# against minictr's container start, at 128 MiB and 2 GiB of guest RAM, runs
# interleaved, in one machine (tools/bench/run.sh provides /dev/kvm):
#  - restore: minivmm --restore start to the restored guest's first console
#    line (tests/guest/bench_tick.sh prints every 10 ms of guest time);
#  - cold boot: minivmm start to the guest's init (the PVH vmlinux, its
#    port-0x3f0 boot signal, as tools/bench/boot.sh);
#  - container: minictr start to exec of /bin/true (its --boot-time).
# Also: RSS of the restored VMM at its first output (guest pages it touched).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
. guest/cmdline.sh
RUNS=${RUNS:-5}
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
VM="build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz"

# snapshot MEM: boot the ticking guest, pause it, snapshot it to $R/snap-MEM.
snapshot() {
	sock=$R/api-$1.sock
	$VM --mem "$1" --console "file=$R/tick-$1.log" --api-sock "$sock" \
		--append "$BENCH_CMDLINE minivmm.test=bench_tick" </dev/null 2>"$R/snap-$1.err" &
	pid=$!
	n=0
	while [ $n -lt 600 ] && ! grep -q 'TICK=20' "$R/tick-$1.log" 2>/dev/null; do
		sleep 0.5
		n=$((n + 1))
	done
	build/vmctl "$sock" PUT /vm/pause >/dev/null &&
		build/vmctl "$sock" PUT /vm/snapshot "{\"path\":\"$R/snap-$1\"}" >"$R/snap-$1.json"
	build/vmctl "$sock" PUT /vm/stop >/dev/null
	wait $pid
	[ -f "$R/snap-$1/state" ] || { echo "bench restore: no snapshot at $1: $(cat "$R/snap-$1.err")" >&2; return 1; }
}

ok=yes
for mem in 128M 2G; do
	snapshot $mem || ok=no
done
[ $ok = yes ] || exit 1

i=1
while [ "$i" -le "$RUNS" ]; do
	echo "bench restore: run $i/$RUNS" >&2
	for mem in 128M 2G; do
		"$VMMSTAT" --marker TICK= --timeout 60 -- \
			build/minivmm --restore "$R/snap-$mem" --console stdio --timeout 3 \
			</dev/null >"$R/res" 2>/dev/null
		field marker_ms <"$R/res" >>"$R/restore-$mem"
		field rss_kb <"$R/res" >>"$R/restore-rss-$mem"
		"$VMMSTAT" --marker boot-time-ms= --timeout 120 -- sh -c "exec $VM --mem $mem --console none --boot-time --append '$BENCH_CMDLINE minivmm.test=bench_exit'" \
			</dev/null >"$R/res" 2>/dev/null
		field marker_ms <"$R/res" >>"$R/cold-$mem"
	done
	build/minictr --boot-time --rootfs build/guest/rootfs -- /bin/true 2>&1 >/dev/null |
		sed -n 's/.*minictr: boot-time-ms=\([0-9.]*\).*/\1/p' >>"$R/ctr"
	i=$((i + 1))
done

med() { set -- $(stats <"$1"); echo "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.3f", a / b }'; }
echo
echo "## Restore from a snapshot vs cold boot vs container start ($RUNS runs each, interleaved)"
echo
echo "| guest RAM | restore to first output ms (p10-p90) | cold boot to init ms | restore / cold | restore / minictr | RSS at first output KiB |"
echo "|---|---|---|---|---|---|"
ctr=$(med "$R/ctr")
for mem in 128M 2G; do
	set -- $(stats <"$R/restore-$mem")
	r=$1
	c=$(med "$R/cold-$mem")
	echo "| $mem | $1 ($2-$3) | $c | $(ratio "$r" "$c") | $(ratio "$r" "$ctr") | $(med "$R/restore-rss-$mem") |"
done
echo
echo "minictr start to exec of /bin/true: $ctr ms (median)"
echo "restore 2G / restore 128M: $(ratio "$(med "$R/restore-2G")" "$(med "$R/restore-128M")")"
echo "snapshot: 128M $(cat "$R/snap-128M.json"); 2G $(cat "$R/snap-2G.json")"
