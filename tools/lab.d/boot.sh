# tools/lab boot: start the same userland as a VM and as a container, N times
# each, interleaved; time to init/exec and host memory. Sourced by tools/lab.

# One VM: minivmm's own boot time (start to the guest init's port-0x3f0 signal),
# RSS total and outside guest RAM (vmmstat, 300 ms after the guest said
# LAB-READY) and PSS from smaps_rollup at about the same moment.
vm_once() {
	i=$1
	"$VMMSTAT" -v --marker LAB-READY --sample-after 300 --guest-ram "$VM_MEM_BYTES" -- \
		build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz \
		--mem "$VM_MEM" --console stdio --boot-time \
		--append "$GUEST_CMDLINE minivmm.test=lab_boot" >"$T/vm.res" 2>"$T/vm.err" &
	job=$!
	pss=
	ticks=0
	while kill -0 "$job" 2>/dev/null; do
		# A guest that never powers off: stop its minivmm (vmmstat's child).
		ticks=$((ticks + 1))
		if [ "$ticks" -gt $((VM_TIMEOUT * 10)) ]; then
			say "boot run $i: the VM did not finish in $VM_TIMEOUT s: stopping it" >&2
			kill $(cat "/proc/$job/task/$job/children" 2>/dev/null) 2>/dev/null
			ticks=0
		fi
		if [ -z "$pss" ] && grep -q LAB-READY "$T/vm.err" 2>/dev/null; then
			sleep 0.3
			vp=$(pidof minivmm | cut -d' ' -f1)
			[ -n "$vp" ] && pss=$(awk '/^Pss:/ { print $2 }' "/proc/$vp/smaps_rollup" 2>/dev/null)
			[ -n "$pss" ] || pss=-
		fi
		sleep 0.1
	done
	wait "$job"
	boot=$(sed -n 's/.*minivmm: boot-time-ms=\([0-9.]*\).*/\1/p' "$T/vm.err" | head -n 1)
	st=$(field status <"$T/vm.res")
	if [ -z "$boot" ] || [ "$st" != 0 ]; then
		{ say "boot run $i: VM failed (status ${st:-?}); its output:"
		  sed 's/^/    /' "$T/vm.err" | tail -n 15; } >&2
		return 1
	fi
	[ "$pss" = - ] && pss=
	echo "$i,vm,$boot,$(field exit_ms <"$T/vm.res"),$(field rss_kb <"$T/vm.res"),$(field overhead_kb <"$T/vm.res"),$pss," >>"$CSV"
	echo "$boot"
}

# The snapshot the "restored" VM starts from: the same guest at $VM_MEM,
# ticking on its console (tests/guest/bench_tick.sh), paused and saved once
# through the control API (docs/api.md).
vm_snapshot() {
	SNAP=$T/snap
	sock=$T/snap-api.sock
	build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz \
		--mem "$VM_MEM" --console "file=$T/snap.log" --api-sock "$sock" \
		--timeout "$VM_TIMEOUT" --append "$GUEST_CMDLINE minivmm.test=bench_tick" \
		</dev/null 2>"$T/snap.err" &
	job=$!
	n=0
	while [ $n -lt $((VM_TIMEOUT * 10)) ] && ! grep -q 'TICK=10' "$T/snap.log" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	build/vmctl "$sock" PUT /vm/pause >/dev/null 2>&1 &&
		build/vmctl "$sock" PUT /vm/snapshot "{\"path\":\"$SNAP\"}" >"$T/snap.json" 2>&1
	build/vmctl "$sock" PUT /vm/stop >/dev/null 2>&1
	wait "$job"
	[ -f "$SNAP/state" ] && return 0
	{ say "boot: no snapshot for the restored VM: $(cat "$T/snap.json" 2>/dev/null)"
	  sed 's/^/    /' "$T/snap.err" | tail -n 10; } >&2
	return 1
}

# One VM restored from that snapshot: start to the guest's first console line
# (it runs again), and its RSS then (only the guest pages it touched since).
restored_once() {
	i=$1
	"$VMMSTAT" -v --marker TICK= --guest-ram "$VM_MEM_BYTES" --timeout "$VM_TIMEOUT" -- \
		build/minivmm --restore "$SNAP" --console stdio --timeout 2 \
		</dev/null >"$T/rest.res" 2>"$T/rest.err"
	ms=$(field marker_ms <"$T/rest.res")
	if [ -z "$ms" ] || [ "$ms" = -1 ]; then
		{ say "boot run $i: the restored VM did not run: its output:"
		  sed 's/^/    /' "$T/rest.err" | tail -n 15; } >&2
		return 1
	fi
	echo "$i,restored,$ms,$(field exit_ms <"$T/rest.res"),$(field rss_kb <"$T/rest.res"),$(field overhead_kb <"$T/rest.res"),," >>"$CSV"
	echo "$ms"
}

# One container: minictr's own start-to-exec time and its cgroup's memory.peak.
ctr_once() {
	i=$1
	"$VMMSTAT" -v -- build/minictr --boot-time --mem-report --rootfs "$ROOTFS" -- /bin/true \
		>"$T/ctr.res" 2>"$T/ctr.err"
	boot=$(sed -n 's/.*minictr: boot-time-ms=\([0-9.]*\).*/\1/p' "$T/ctr.err" | head -n 1)
	peak=$(sed -n 's/.*minictr: mem-peak-kib=\([0-9]*\).*/\1/p' "$T/ctr.err" | head -n 1)
	st=$(field status <"$T/ctr.res")
	if [ -z "$boot" ] || [ "$st" != 0 ]; then
		{ say "boot run $i: container failed (status ${st:-?}); its output:"
		  sed 's/^/    /' "$T/ctr.err" | tail -n 15; } >&2
		return 1
	fi
	echo "$i,container,$boot,$(field exit_ms <"$T/ctr.res"),,,,$peak" >>"$CSV"
	echo "$boot"
}

# crun has no start-to-exec timer: its whole run of /bin/true (create, start,
# wait, delete) is timed, the same span as minictr's start-to-exit.
# crun_bundle [ROOT]: a bundle over a copy of the busybox rootfs, or over ROOT
# (an absolute path, kept read-only) as it is.
crun_bundle() {
	B=$T/bundle
	mkdir -p "$B"
	if [ $# = 0 ]; then
		cp -a "$ROOTFS" "$B/rootfs" || return 1
	fi
	(cd "$B" && crun spec) || return 1
	[ $# = 0 ] || sed -i -e "s|\"path\": \"rootfs\"|\"path\": \"$1\"|" "$B/config.json"
	# The default spec runs "sh" on a terminal: run /bin/true without one.
	sed -i -e 's/"terminal": true/"terminal": false/' \
		-e '/"args": \[/,/\]/c\		"args": [ "/bin/true" ],' "$B/config.json"
	# An initramfs root (as in kvmbox) cannot be pivoted away: crun --no-pivot.
	CRUN_OPTS=
	crun run --bundle "$B" "lab-warm-$$" && return 0
	CRUN_OPTS=--no-pivot
	crun run $CRUN_OPTS --bundle "$B" "lab-warm-$$"
}

crun_once() {
	i=$1
	# shellcheck disable=SC2086
	"$VMMSTAT" -v -- crun run $CRUN_OPTS --bundle "$T/bundle" "lab-$$-$i" >"$T/crun.res" 2>"$T/crun.err"
	st=$(field status <"$T/crun.res")
	if [ "$st" != 0 ]; then
		say "boot run $i: crun failed (status ${st:-?}): $(tail -n 1 "$T/crun.err")" >&2
		return 1
	fi
	ms=$(field exit_ms <"$T/crun.res")
	echo "$i,crun,,$ms,,,," >>"$CSV"
	echo "$ms"
}

# column KIND FIELD: the CSV column FIELD (1-based) of rows of KIND, one a line.
column() {
	awk -F, -v k="$1" -v c="$2" 'NR > 1 && $2 == k && $c != "" { print $c }' "$CSV"
}

json_stats() { # NAME KIND FIELD
	set -- "$1" $(column "$2" "$3" | stats)
	[ "$2" = n/a ] && { printf '"%s": null' "$1"; return; }
	printf '"%s": {"median": %s, "p10": %s, "p90": %s}' "$1" "$2" "$3" "$4"
}

cell() { # KIND FIELD: "median (p10-p90)" or n/a
	set -- $(column "$1" "$2" | stats)
	[ "$1" = n/a ] && { echo n/a; return; }
	echo "$1 ($2-$3)"
}

lab_boot() {
	runs=$1
	CSV=$OUT/boot.csv
	echo "run,kind,start_to_init_ms,start_to_exit_ms,vmm_rss_kib,vmm_rss_outside_guest_ram_kib,vmm_pss_kib,container_mem_peak_kib" >"$CSV"
	have_crun=no
	if command -v crun >/dev/null 2>&1; then
		if crun_bundle >"$T/bundle.log" 2>&1; then
			have_crun=yes
		else
			say "crun is installed but its bundle could not be made: $(tail -n 1 "$T/bundle.log")"
		fi
	fi
	failed=0
	have_snap=no
	vm_snapshot && have_snap=yes || failed=1
	say "boot: $runs runs each of VM (minivmm, $VM_MEM, 1 vCPU)$([ $have_snap = yes ] && echo ', VM restored from a snapshot') and container (minictr)$([ $have_crun = yes ] && echo ', and crun'), interleaved"
	i=1
	while [ "$i" -le "$runs" ]; do
		line="boot run $i/$runs:"
		say "$line starting the VM, then the container$([ $have_crun = yes ] && echo ', then crun')"
		v=$(vm_once "$i") || { failed=1; v=failed; }
		c=$(ctr_once "$i") || { failed=1; c=failed; }
		line="$line VM boot-to-init ${v} ms, container start-to-exec ${c} ms"
		if [ $have_snap = yes ]; then
			s=$(restored_once "$i") || { failed=1; s=failed; }
			line="$line, restored VM running again ${s} ms"
		fi
		if [ $have_crun = yes ]; then
			r=$(crun_once "$i") || { r=failed; have_crun=no; }
			line="$line, crun run $r ms"
		fi
		say "$line"
		i=$((i + 1))
	done

	{
		echo "{"
		echo "  \"runs\": $runs, \"vm_mem\": \"$VM_MEM\", \"rootfs\": \"$ROOTFS\","
		echo "  \"vm\": {$(json_stats start_to_init_ms vm 3), $(json_stats vmm_rss_kib vm 5), $(json_stats vmm_rss_outside_guest_ram_kib vm 6), $(json_stats vmm_pss_kib vm 7)},"
		echo "  \"restored_vm\": {$(json_stats start_to_running_ms restored 3), $(json_stats vmm_rss_kib restored 5), $(json_stats vmm_rss_outside_guest_ram_kib restored 6)},"
		echo "  \"container\": {$(json_stats start_to_exec_ms container 3), $(json_stats start_to_exit_ms container 4), $(json_stats mem_peak_kib container 8)},"
		echo "  \"crun\": {$(json_stats start_to_exit_ms crun 4)}"
		echo "}"
	} >"$OUT/boot.json"

	echo
	echo "Boot: median (p10-p90) over $runs runs each, interleaved"
	{
		echo "metric|VM (minivmm)|VM restored from a snapshot|container (minictr)|crun"
		echo "start to init / running again / exec of COMMAND (ms)|$(cell vm 3)|$(cell restored 3)|$(cell container 3)|n/a (no timer)"
		echo "start to exit of /bin/true (ms)|n/a (stays up 2 s)|n/a (stays up 2 s)|$(cell container 4)|$(cell crun 4)"
		echo "host memory: VMM RSS (KiB)|$(cell vm 5)|$(cell restored 5)|-|-"
		echo "host memory: VMM RSS outside guest RAM (KiB)|$(cell vm 6)|$(cell restored 6)|-|-"
		echo "host memory: VMM PSS (KiB)|$(cell vm 7)|-|-|-"
		echo "host memory: cgroup memory.peak (KiB)|-|-|$(cell container 8)|n/a"
	} | table | tee "$OUT/boot.txt"
	echo

	# The chart: medians with p10-p90 whiskers.
	{
		echo "TITLE|minivmm VM vs minictr container: $runs runs each (median, p10-p90)"
		echo "PANEL|start to init (VM) / exec (container), ms, log scale|log"
		set -- $(column vm 3 | stats); echo "BAR|VM: minivmm boot to init|$1|$2|$3|#4e79a7"
		set -- $(column restored 3 | stats); [ "$1" != n/a ] && echo "BAR|VM restored from a snapshot: running again|$1|$2|$3|#76b7b2"
		set -- $(column container 3 | stats); echo "BAR|container: minictr start to exec|$1|$2|$3|#f28e2b"
		set -- $(column container 4 | stats); echo "BAR|container: minictr start to exit|$1|$2|$3|#ffbe7d"
		set -- $(column crun 4 | stats); [ "$1" != n/a ] && echo "BAR|crun: run of /bin/true, start to exit|$1|$2|$3|#59a14f"
		echo "PANEL|host memory, MiB|lin"
		set -- $(column vm 5 | stats); echo "BAR|VM: VMM RSS (incl. guest RAM touched)|$(mib "$1")|$(mib "$2")|$(mib "$3")|#4e79a7"
		set -- $(column vm 6 | stats); echo "BAR|VM: VMM RSS outside guest RAM|$(mib "$1")|$(mib "$2")|$(mib "$3")|#a0cbe8"
		set -- $(column container 8 | stats); echo "BAR|container: cgroup memory.peak|$(mib "$1")|$(mib "$2")|$(mib "$3")|#f28e2b"
	} | awk -F'|' -f tools/lab.d/svg.awk >"$OUT/boot.svg"
	say "results: $OUT/boot.csv $OUT/boot.json $OUT/boot.txt $OUT/boot.svg"
	return $failed
}

mib() { awk -v k="$1" 'BEGIN { if (k == "n/a") print "n/a"; else printf "%.2f", k / 1024 }'; }
