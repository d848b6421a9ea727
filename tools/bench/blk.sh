#!/bin/sh
# Disk: direct-I/O sequential write and read throughput (1 MiB requests) and
# 4 KiB random-read IOPS at queue depth 1 inside the guest (blkbench on
# /dev/vda), minivmm vs QEMU (pc, -accel kvm, virtio-blk-pci, cache=writeback,
# same raw image), same guest, 1 vCPU, 512 MiB, runs interleaved. Needs
# /dev/kvm (tools/bench/run.sh provides it through tools/kvmbox). Prints a
# Markdown table.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
RUNS=${RUNS:-3}
MIB=${MIB:-64}
IOS=${IOS:-2000}
MEM=512M
R=$(mktemp -d)
IMG=$R/disk.img
GUEST_ARGS="$BENCH_CMDLINE minivmm.test=blk_bench mvblk.mib=$MIB mvblk.ios=$IOS"
dd if=/dev/zero of="$IMG" bs=1048576 count=$((MIB + 64)) 2>/dev/null

# run_one NAME OK_STATUS COMMAND...: boot, collect the guest's numbers.
run_one() {
	name=$1 ok=$2
	shift 2
	rm -f "$R/log"
	# A VM that never finishes counts as a failed run, not a hung benchmark.
	timeout -k 10 "${VM_TIMEOUT:-900}" "$@" >"$R/out" 2>&1
	st=$?
	w=$(tr -d '\r' <"$R/log" | sed -n 's/.*BENCH-BLK-SEQW-MBPS=//p')
	r=$(tr -d '\r' <"$R/log" | sed -n 's/.*BENCH-BLK-SEQR-MBPS=//p')
	iops=$(tr -d '\r' <"$R/log" | sed -n 's/.*BENCH-BLK-RAND-IOPS=//p')
	if [ "$st" != "$ok" ] || [ -z "$w" ] || [ -z "$r" ] || [ -z "$iops" ]; then
		echo "bench blk: $name run failed (status $st)" >&2
		tail -n 5 "$R/log" "$R/out" >&2
		return
	fi
	echo "$w" >>"$R/$name-seqw"
	echo "$r" >>"$R/$name-seqr"
	echo "$iops" >>"$R/$name-rand"
}

i=1
while [ "$i" -le "$RUNS" ]; do
	echo "bench blk: run $i/$RUNS" >&2
	run_one minivmm 0 build/minivmm --kernel build/guest/vmlinux \
		--initrd build/guest/initramfs.cpio.gz --mem "$MEM" --console "file=$R/log" \
		--disk "$IMG" --append "$GUEST_ARGS"
	# isa-debug-exit: QEMU exits with (status << 1) | 1.
	# shellcheck disable=SC2086
	run_one qemu 1 $QEMU_PC -m "$MEM" -serial "file:$R/log" -append "$GUEST_ARGS" \
		-device isa-debug-exit,iobase=0xf4,iosize=1 \
		-drive "file=$IMG,if=none,id=d0,format=raw,cache=writeback" \
		-device virtio-blk-pci,drive=d0
	i=$((i + 1))
done

echo
echo "## Disk ($RUNS runs each, interleaved, 1 vCPU, $MEM, O_DIRECT in the guest, raw image)"
echo
table_head
compare_row "sequential write, 1 MiB requests (MiB/s)" "$R/minivmm-seqw" "$R/qemu-seqw"
compare_row "sequential read, 1 MiB requests (MiB/s)" "$R/minivmm-seqr" "$R/qemu-seqr"
compare_row "random read 4 KiB, queue depth 1 (IOPS)" "$R/minivmm-rand" "$R/qemu-rand"
echo
for f in minivmm-seqw qemu-seqw minivmm-seqr qemu-seqr minivmm-rand qemu-rand; do
	echo "raw $f: $(tr '\n' ' ' <"$R/$f")"
done
rm -rf "$R"
