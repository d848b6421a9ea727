#!/bin/sh
# Boot time and VMM memory overhead, minivmm vs QEMU (pc, -accel kvm), same
# kernel (minivmm boots it as the PVH vmlinux, its default; QEMU pc the
# bzImage; tools/bench/bootcpus.sh has every combination), initramfs, 1 vCPU
# and 128 MiB, runs interleaved. Needs /dev/kvm
# (tools/bench/run.sh provides it through tools/kvmbox).
#  - boot: process start to the guest's boot signal (byte 123 on port 0x3f0,
#    written by our init as it starts). minivmm reports it (--boot-time); QEMU
#    gets an isa-debug-exit device on port 0x3f0, so it exits at that moment.
#  - memory: RSS outside guest RAM, sampled 500 ms after the guest printed
#    BENCH-READY from its init.
#  - host check: what deciding that this host's KVM is hardware costs minivmm
#    at start-up (-v reports it; --timeout 1 ends that run a second later).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
RUNS=${RUNS:-5}
MEM=128M
MEM_BYTES=$((128 << 20))
R=$(mktemp -d)


i=1
while [ "$i" -le "$RUNS" ]; do
	echo "bench boot: run $i/$RUNS" >&2
	"$VMMSTAT" --marker boot-time-ms= -- \
		sh -c "exec build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz --mem $MEM --console none --boot-time --append '$BENCH_CMDLINE minivmm.test=bench_exit'" \
		| field marker_ms >>"$R/minivmm-boot"
	"$VMMSTAT" -- sh -c "exec $QEMU_PC -m $MEM -append '$BENCH_CMDLINE minivmm.test=bench_exit' -device isa-debug-exit,iobase=0x3f0,iosize=1" \
		>"$R/q" && field exit_ms <"$R/q" >>"$R/qemu-boot"
	"$VMMSTAT" --marker BENCH-READY --sample-after 500 --guest-ram $MEM_BYTES -- \
		sh -c "exec build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz --mem $MEM --append '$BENCH_CMDLINE minivmm.test=bench_idle'" \
		| field overhead_kb >>"$R/minivmm-mem"
	"$VMMSTAT" --marker BENCH-READY --sample-after 500 --guest-ram $MEM_BYTES -- \
		sh -c "exec $QEMU_PC -m $MEM -serial stdio -append '$BENCH_CMDLINE minivmm.test=bench_idle' -device isa-debug-exit,iobase=0xf4,iosize=1" \
		| field overhead_kb >>"$R/qemu-mem"
	build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz \
		--mem $MEM --console none -v --timeout 1 </dev/null 2>&1 |
		sed -n 's/^minivmm: host: .*(checked in \([0-9]*\) us)$/\1/p' >>"$R/minivmm-check"
	i=$((i + 1))
done

echo
echo "## Boot time and VMM memory ($RUNS runs each, interleaved, 1 vCPU, $MEM)"
echo
table_head
compare_row "start to guest init (ms)" "$R/minivmm-boot" "$R/qemu-boot"
compare_row "VMM RSS outside guest RAM (KiB)" "$R/minivmm-mem" "$R/qemu-mem"
echo
echo "raw minivmm boot ms: $(tr '\n' ' ' <"$R/minivmm-boot")"
echo "raw QEMU boot ms: $(tr '\n' ' ' <"$R/qemu-boot")"
echo "raw minivmm overhead KiB: $(tr '\n' ' ' <"$R/minivmm-mem")"
echo "raw QEMU overhead KiB: $(tr '\n' ' ' <"$R/qemu-mem")"
echo "minivmm host KVM check at start-up, us (median p10 p90): $(stats <"$R/minivmm-check")"
rm -rf "$R"
