#!/bin/sh
# The kvmbox heartbeat (started by kvmbox-init.sh, in its own session): every 5 s
# one line on ttyS1, the box kernel's console, which tools/kvmbox watches:
#   KVMBOX-HB <uptime> <KVM debugfs counters, summed over the live VMs>
# A box whose heartbeat stops is killed by kvmbox. A nested guest that spins
# (exits piling up with no I/O, no halt and no interrupt taken for 30 s) is
# reported once with 0.2 s of KVM tracepoints (exit reasons, guest RIPs):
#   KVMBOX-SPIN <vm> ...   then the trace summary
K=/sys/kernel/debug/kvm
TR=/sys/kernel/debug/tracing
STATE=/tmp/.kvmbox-hb
mkdir -p $STATE

counter() { cat "$1/$2" 2>/dev/null || echo 0; }

trace_spin() { # VM-DIR
	[ -d $TR/events/kvm ] || return
	echo 0 > $TR/tracing_on
	echo > $TR/trace
	echo 1 > $TR/events/kvm/enable
	echo 1 > $TR/tracing_on
	sleep 0.2
	echo 0 > $TR/tracing_on
	echo 0 > $TR/events/kvm/enable
	echo "KVMBOX-SPIN-TRACE $1: exit reasons and guest RIPs in 0.2 s:"
	grep -o 'reason [A-Za-z_0-9]* rip 0x[0-9a-f]*' $TR/trace | sort | uniq -c | sort -rn | head -n 8
	echo "KVMBOX-SPIN-TRACE $1: events:"
	grep -o ' kvm_[a-z_]*:' $TR/trace | sort | uniq -c | sort -rn | head -n 12
	grep -v '^#' $TR/trace | head -n 12
	echo > $TR/trace
}

# VM-DIR: report it once when it spins. Progress = io/halt exits or injections.
watch_vm() {
	vm=$1 name=${1##*/}
	exits=$(counter "$vm" exits)
	prog=$(($(counter "$vm" io_exits) + $(counter "$vm" halt_exits) + $(counter "$vm" irq_injections) + $(counter "$vm" mmio_exits)))
	if [ ! -f "$STATE/$name" ]; then
		echo "$exits $prog 0 0" > "$STATE/$name"
		return
	fi
	read -r e0 p0 still done < "$STATE/$name"
	if [ "$prog" = "$p0" ] && [ $((exits - e0)) -gt 1000 ]; then
		still=$((still + 1))
	else
		still=0 e0=$exits p0=$prog
	fi
	if [ "$still" -ge 6 ] && [ "$done" = 0 ]; then
		echo "KVMBOX-SPIN $name: $((exits - e0)) exits in $((still * 5)) s with no I/O, halt or interrupt ($(for c in exits pf_taken pf_fixed pf_emulate insn_emulation irq_window_exits req_event; do printf '%s=%s ' $c "$(counter "$vm" $c)"; done))"
		trace_spin "$name"
		done=1
	fi
	echo "$e0 $p0 $still $done" > "$STATE/$name"
}

while :; do
	line="KVMBOX-HB $(cut -d' ' -f1 /proc/uptime)"
	for c in exits io_exits mmio_exits irq_exits halt_exits irq_window_exits pf_taken insn_emulation irq_injections; do
		[ -r $K/$c ] && line="$line $c=$(cat $K/$c)"
	done
	echo "$line"
	for vm in $K/*-*; do
		[ -d "$vm" ] && watch_vm "$vm"
	done
	sleep 5
done > /dev/ttyS1 2>&1
