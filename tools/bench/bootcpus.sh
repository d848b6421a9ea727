#!/bin/sh
# Boot to init at 1, 2 and 4 vCPUs (issue 12), interleaved, in one machine:
#   minivmm with the bzImage, minivmm with the PVH vmlinux, QEMU -M pc with
#   the bzImage (SeaBIOS), QEMU -M microvm with the vmlinux (no RTC; its
#   firmware loads the vmlinux through the pvh.bin option ROM, so
#   x-option-roms=off leaves it with "No bootable device"). Boot = process start to the guest's boot signal (byte 123
#   on port 0x3f0, written by our init as it starts; QEMU exits there through
#   isa-debug-exit).
# Then, once per VMM and vCPU count, the VM exits to init: KVM's own counters
#   for the VM (debugfs, every exit whether the kernel or the VMM handled it),
#   sampled when the guest's init prints BENCH-READY; and minivmm's start-up
#   (process start to the first KVM_RUN, wall and CPU, from --boot-time) and
#   its RSS outside guest RAM.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
RUNS=${RUNS:-3}
CPUS=${CPUS:-1 2 4}
MEM=256M
MEM_BYTES=$((256 << 20))
BZ=build/guest/bzImage
VMLINUX=build/guest/vmlinux
INITRD=build/guest/initramfs.cpio.gz
R=$(mktemp -d)

[ -f "$VMLINUX" ] || { echo "bench bootcpus: $VMLINUX is missing (make guest)"; exit 1; }
QEMU="qemu-system-x86_64 -accel kvm -cpu host -L $QEMU_FW -nodefaults -no-user-config"
QEMU="$QEMU -nographic -no-reboot -m $MEM -initrd $INITRD"
QEMU_MICROVM="$QEMU -M microvm,rtc=off,isa-serial=on -kernel $VMLINUX"
QEMU_PCM="$QEMU -M pc -vga none -kernel $BZ"

# run_vmm NAME CPUS GUEST_TEST [vmmstat options] -- CMD: one vmmstat line.
minivmm_cmd() { # KERNEL CPUS TEST
	echo "exec build/minivmm --kernel $1 --initrd $INITRD --mem $MEM --cpus $2 --boot-time --append '$BENCH_CMDLINE minivmm.test=$3'"
}
qemu_cmd() { # MACHINE-VAR CPUS TEST: QEMU exits at the boot signal
	echo "exec $1 -smp $2 -append '$BENCH_CMDLINE minivmm.test=$3' -device isa-debug-exit,iobase=0x3f0,iosize=1"
}
qemu_idle_cmd() { # MACHINE-VAR CPUS: runs on to BENCH-READY, then powers off
	echo "exec $1 -smp $2 -append '$BENCH_CMDLINE minivmm.test=bench_idle'"
}

for n in $CPUS; do
	i=1
	while [ "$i" -le "$RUNS" ]; do
		echo "bench bootcpus: $n vCPU(s), run $i/$RUNS" >&2
		"$VMMSTAT" --marker boot-time-ms= -- sh -c "$(minivmm_cmd $BZ "$n" bench_exit) --console none" |
			field marker_ms >>"$R/bz-$n"
		"$VMMSTAT" --marker boot-time-ms= -- sh -c "$(minivmm_cmd $VMLINUX "$n" bench_exit) --console none" |
			field marker_ms >>"$R/pvh-$n"
		"$VMMSTAT" -- sh -c "$(qemu_cmd "$QEMU_PCM" "$n" bench_exit)" | field exit_ms >>"$R/pc-$n"
		"$VMMSTAT" -- sh -c "$(qemu_cmd "$QEMU_MICROVM" "$n" bench_exit)" |
			field exit_ms >>"$R/microvm-$n"
		i=$((i + 1))
	done
done

med() { stats <"$1" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
echo
echo "## Boot to init by vCPU count ($RUNS runs each, interleaved, $MEM)"
echo
echo "| vCPUs | minivmm bzImage | minivmm PVH | QEMU pc | QEMU microvm | PVH / pc | PVH / microvm | bzImage / pc |"
echo "|---|---|---|---|---|---|---|---|"
for n in $CPUS; do
	bz=$(med "$R/bz-$n") pvh=$(med "$R/pvh-$n") pc=$(med "$R/pc-$n") mv=$(med "$R/microvm-$n")
	echo "| $n | $bz | $pvh | $pc | $mv | $(ratio "$pvh" "$pc") | $(ratio "$pvh" "$mv") | $(ratio "$bz" "$pc") |"
done
echo
echo "Medians in ms, process start to the guest's boot signal."
for n in $CPUS; do
	echo
	echo "raw boot ms, $n vCPU(s): bzImage $(tr '\n' ' ' <"$R/bz-$n")/ PVH $(tr '\n' ' ' <"$R/pvh-$n")/ pc $(tr '\n' ' ' <"$R/pc-$n")/ microvm $(tr '\n' ' ' <"$R/microvm-$n")"
done

# Exits to init, start-up and memory: one run each, the guest idling at
# BENCH-READY. After the boot table: these long idle runs are where a
# loaded kvmbox has died (its heartbeat starved), and the boot times must
# survive that.
for n in $CPUS; do
	echo "bench bootcpus: exits, $n vCPU(s)" >&2
	for v in bz pvh; do
		k=$BZ
		[ $v = pvh ] && k=$VMLINUX
		"$VMMSTAT" -v --kvm-stats --marker BENCH-READY --guest-ram $MEM_BYTES -- \
			sh -c "$(minivmm_cmd $k "$n" bench_idle)" >"$R/x-$v-$n" 2>"$R/log-$v-$n"
	done
	"$VMMSTAT" --kvm-stats --marker BENCH-READY -- \
		sh -c "$(qemu_idle_cmd "$QEMU_PCM -serial stdio" "$n")" >"$R/x-pc-$n"
	"$VMMSTAT" --kvm-stats --marker BENCH-READY -- \
		sh -c "$(qemu_idle_cmd "$QEMU_MICROVM -serial stdio" "$n")" >"$R/x-microvm-$n"
done
echo
echo "## VM exits to init (KVM's counters for the VM, at the guest's BENCH-READY)"
echo
echo "| vCPUs | VMM | exits | io | mmio | halt | irq | irq window | minivmm start to first KVM_RUN | RSS outside guest RAM (KiB) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in $CPUS; do
	for v in bz pvh pc microvm; do
		x=$R/x-$v-$n
		start=$(sed -n 's/.*boot-startup: first KVM_RUN \([0-9.]*\) ms after start, \([0-9.]*\) ms CPU (ms: \(.*\))/\1 ms, \2 CPU-ms (\3)/p' "$R/log-$v-$n" 2>/dev/null)
		mem=$(field overhead_kb <"$x")
		case $v in pc | microvm) mem=- ;; esac
		echo "| $n | $v | $(field kvm_exits <"$x") | $(field kvm_io_exits <"$x") | $(field kvm_mmio_exits <"$x") | $(field kvm_halt_exits <"$x") | $(field kvm_irq_exits <"$x") | $(field kvm_irq_window_exits <"$x") | ${start:--} | $mem |"
	done
done
rm -rf "$R"
