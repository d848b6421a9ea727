# tools/lab isolation: the same probes (tests/guest/lab_probe.sh) on the host,
# inside a VM and inside a container, side by side; then a kernel panic in a VM.
# Sourced by tools/lab.

# probes FILE: "key=value" lines from the LAB-PROBE lines of a log.
probes() { tr -d '\r' <"$1" | sed -n 's/^LAB-PROBE //p'; }

lab_isolation() {
	failed=0
	# A host process the VM and the container should not be able to see.
	sleep 7777777 &
	marker=$!

	say "isolation 1/4: probing the host"
	sh tests/guest/lab_probe.sh >"$T/host.log" 2>&1

	say "isolation 2/4: probing inside a VM (minivmm, $VM_MEM, 1 vCPU; a stock kernel boots first)"
	timeout "$VM_TIMEOUT" build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz \
		--mem "$VM_MEM" --console "file=$T/vm.log" \
		--append "$GUEST_CMDLINE minivmm.test=lab_probe" >"$T/vm.err" 2>&1
	vst=$?
	if [ $vst != 0 ] || ! grep -q LAB-PROBE "$T/vm.log" 2>/dev/null; then
		say "the VM probe failed (status $vst):"; tail -n 15 "$T/vm.err" "$T/vm.log" 2>/dev/null
		failed=1
	fi

	say "isolation 3/4: probing inside a container (minictr)"
	limit=
	grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null && limit="--mem 256M"
	# shellcheck disable=SC2086
	build/minictr --hostname lab-container $limit --rootfs "$ROOTFS" -- /bin/sh /tests/lab_probe.sh \
		>"$T/ctr.log" 2>&1
	cst=$?
	if [ $cst != 0 ] || ! grep -q LAB-PROBE "$T/ctr.log"; then
		say "the container probe failed (status $cst):"; tail -n 15 "$T/ctr.log"
		failed=1
	fi
	kill "$marker" 2>/dev/null
	wait "$marker" 2>/dev/null

	say "isolation 4/4: crashing a VM's kernel (echo c > /proc/sysrq-trigger inside the guest)"
	up0=$(cut -d' ' -f1 /proc/uptime)
	timeout "$VM_TIMEOUT" build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz \
		--mem "$VM_MEM" --console "file=$T/panic.log" \
		--append "$GUEST_CMDLINE minivmm.test=lab_panic" >"$T/panic.err" 2>&1
	pst=$?
	up1=$(cut -d' ' -f1 /proc/uptime)
	panicked=no
	tr -d '\r' <"$T/panic.log" | grep -q 'Kernel panic' && panicked=yes
	survived=no
	grep -q LAB-PANIC-SURVIVED "$T/panic.log" && survived=yes
	# The host is fine: its uptime kept counting and a new container still starts.
	host_ok=no
	build/minictr --rootfs "$ROOTFS" -- /bin/true >/dev/null 2>&1 && awk -v a="$up0" -v b="$up1" 'BEGIN { exit !(b > a) }' && host_ok=yes
	panic_line=$(tr -d '\r' <"$T/panic.log" | grep -m1 'Kernel panic' | sed 's/^\[[^]]*\] *//')
	if [ $panicked = yes ] && [ $survived = no ]; then
		vm_panic="guest kernel panicked (\"$panic_line\"); minivmm exited with status $pst; host fine: $host_ok"
	else
		vm_panic="no panic seen (status $pst, guest printed LAB-PANIC-SURVIVED: $survived)"
		failed=1
	fi
	ctr_panic="not triggered: a container runs on the host kernel, so a kernel panic there is a host panic that ends every container and the host itself (minictr also keeps /proc/sysrq-trigger read-only)"

	isolation_tables isolation "Isolation: the same probes on the host, in a VM and in a container"
	return $failed
}

# isolation_tables NAME TITLE: the probes of $T/host.log, $T/vm.log and
# $T/ctr.log side by side, and $vm_panic / $ctr_panic, as $OUT/NAME.csv, .json
# and .txt (printed too).
isolation_tables() {
	probes "$T/host.log" >"$T/host.kv"
	probes "$T/vm.log" >"$T/vm.kv" 2>/dev/null || : >"$T/vm.kv"
	probes "$T/ctr.log" >"$T/ctr.kv"
	# One row per probe, in the probe script's order.
	awk -F= -v h="$T/host.kv" -v v="$T/vm.kv" -v c="$T/ctr.kv" '
		function load(f, a,   line, k) {
			while ((getline line < f) > 0) { k = line; sub(/=.*/, "", k); sub(/^[^=]*=/, "", line); a[k] = line
				if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
		}
		BEGIN { load(h, H); load(v, V); load(c, C)
			for (i = 1; i <= n; i++) { k = order[i]; printf "%s|%s|%s|%s\n", k, H[k], V[k], C[k] } }' >"$T/rows"
	{
		echo "probe,host,vm,container"
		while IFS='|' read -r k hv vv cv; do
			printf '%s,"%s","%s","%s"\n' "$k" "$hv" "$vv" "$cv"
		done <"$T/rows"
		printf 'kernel_panic,"host: -","%s","%s"\n' "$vm_panic" "$ctr_panic"
	} >"$OUT/$1.csv"
	{
		echo "{"
		while IFS='|' read -r k hv vv cv; do
			printf '  "%s": {"host": "%s", "vm": "%s", "container": "%s"},\n' "$k" "$hv" "$vv" "$cv"
		done <"$T/rows"
		printf '  "kernel_panic": {"vm": "%s", "container": "%s"}\n' \
			"$(echo "$vm_panic" | sed 's/"/\\"/g')" "$ctr_panic"
		echo "}"
	} >"$OUT/$1.json"
	{
		echo
		echo "$2"
		{ echo "probe|host|VM (minivmm)|container (minictr)"; cat "$T/rows"; } | table
		echo
		echo "Kernel panic:"
		echo "  VM:        $vm_panic"
		echo "  container: $ctr_panic"
		echo
	} | tee "$OUT/$1.txt"
	say "results: $OUT/$1.csv $OUT/$1.json $OUT/$1.txt"
}
