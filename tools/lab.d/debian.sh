# tools/lab --os debian: the full-OS case. The Debian image of `make image` boots
# as a VM (its own kernel, initramfs-tools initrd and systemd, from the disk) and
# the same root file system, mounted read-only, is a container's image. Sourced
# by tools/lab.
#
# The VM is driven through its serial console like tests/integration/45-debian.sh:
# root logs in on ttyS0 by itself, our input goes in through a fifo, and every
# marker we wait for is computed by the guest's shell, so the echo of the typed
# line never matches it. Every wait is bounded and says what it waited for.

DEB_KERNEL=build/image/vmlinuz
DEB_INITRD=build/image/initrd.img
DEB_MEM=512M
DEB_MEM_BYTES=$((512 << 20))
DEB_CMDLINE="$GUEST_CMDLINE_BASE root=/dev/vda rw quiet"
DEB_BOOT_LIMIT=${LAB_DEB_BOOT_LIMIT:-600} # seconds to the root login, and to a running system
DEB_STEP_LIMIT=300                        # seconds for one command typed into the guest
DEB_PROBE=/usr/local/bin/lab_probe.sh     # where the probe script goes on the disk

# deb_disk_setup: $DEB_DISK is the disk (LAB_DEBIAN_DISK: the box's /dev/vda, a
# scratch copy made on the host side) and holds the probe script.
deb_disk_setup() {
	DEB_DISK=${LAB_DEBIAN_DISK:-}
	if [ -z "$DEB_DISK" ]; then
		# The VM writes to its disk: a scratch copy (sparse, a few seconds).
		DEB_DISK=build/image/lab.img
		cp --sparse=always build/image/debian.img "$DEB_DISK" || die "cannot copy the Debian image"
	fi
	mkdir -p "$T/debroot"
	deb_mount rw || die "cannot mount $DEB_DISK"
	mkdir -p "$T/debroot${DEB_PROBE%/*}" && cp tests/guest/lab_probe.sh "$T/debroot$DEB_PROBE" &&
		chmod 755 "$T/debroot$DEB_PROBE"
	st=$?
	deb_umount
	[ $st = 0 ] || die "cannot put the probe script on the Debian disk"
}

# deb_mount ro|rw: the disk at $T/debroot (never while its VM runs).
deb_mount() {
	opt=$1
	[ -b "$DEB_DISK" ] || opt="$opt,loop"
	mount -o "$opt" "$DEB_DISK" "$T/debroot"
}
deb_umount() { umount "$T/debroot"; }

# deb_vm_start NAME [minivmm args]: boot the image under vmmstat, which times the
# first console line holding LAB-DEB-1-UP and samples minivmm's memory 300 ms later.
# Console (prefixed "| ") in $T/NAME.log, vmmstat's result in $T/NAME.res.
deb_vm_start() {
	deb_name=$1
	shift
	rm -f "$T/$deb_name.in"
	mkfifo "$T/$deb_name.in"
	"$VMMSTAT" -v --timeout "$VM_TIMEOUT" --marker LAB-DEB-1-UP --sample-after 300 \
		--guest-ram "$DEB_MEM_BYTES" -- \
		build/minivmm --kernel "$DEB_KERNEL" --initrd "$DEB_INITRD" --disk "$DEB_DISK" \
		--mem "$DEB_MEM" --append "$DEB_CMDLINE" "$@" \
		<"$T/$deb_name.in" >"$T/$deb_name.res" 2>"$T/$deb_name.log" &
	deb_pid=$!
	exec 7>"$T/$deb_name.in"
}

# deb_wait PATTERN SECONDS WHAT: until a console line holds PATTERN (polled every
# 0.1 s, as this wait is part of what the boot row measures).
deb_wait() {
	n=0
	while ! tr -d '\r' <"$T/$deb_name.log" | grep -q "$1"; do
		if [ "$n" -ge $(($2 * 10)) ] || ! kill -0 "$deb_pid" 2>/dev/null; then
			say "gave up after $((n / 10)) s waiting for $3 ('$1' on the Debian VM's console)" >&2
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
}

# deb_up: root is logged in and systemd says the system is up (every start job
# done); the guest then prints LAB-DEB-1-UP and systemd-analyze's lines.
deb_up() {
	deb_wait '(automatic login)' "$DEB_BOOT_LIMIT" "the root login" || return 1
	# shellcheck disable=SC2016 # the guest's shell expands it
	printf '%s; %s; %s\n' 'systemctl is-system-running --wait >/dev/null' \
		'echo "LAB-DEB-$((0 + 1))-UP $(systemctl is-active multi-user.target)"' \
		'systemd-analyze | sed "s/^/LAB-SA /"; echo "LAB-DEB-SA-$((0 + 1))"' >&7
	deb_wait 'LAB-DEB-1-UP active' "$DEB_BOOT_LIMIT" "multi-user.target" &&
		deb_wait 'LAB-DEB-SA-1' "$DEB_STEP_LIMIT" "systemd-analyze"
}

# deb_vm_end SECONDS: minivmm's (vmmstat's) end; status in $deb_status, 255 when
# it had to be killed.
deb_vm_end() {
	n=0
	while [ "$n" -lt "$1" ] && kill -0 "$deb_pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
	done
	deb_status=255
	if kill -0 "$deb_pid" 2>/dev/null; then
		say "the Debian VM did not end in $1 s: stopping it" >&2
		kill $(cat "/proc/$deb_pid/task/$deb_pid/children" 2>/dev/null) 2>/dev/null
	fi
	wait "$deb_pid" && deb_status=0 || deb_status=$?
	exec 7>&-
}

deb_vm_failed() { # WHAT
	say "$1; the Debian VM's console, last lines:" >&2
	tr -d '\r' <"$T/$deb_name.log" | tail -n 15 | sed 's/^/    /' >&2
}

# deb_console PREFIX: console lines the guest printed starting with PREFIX, without it.
deb_console() {
	tr -d '\r' <"$T/$deb_name.log" | sed -n "s/^| $1 //p"
}

# systemd-analyze's "Startup finished in 1.2s (kernel) + 3min 4.5s (userspace) = ..."
# and "graphical.target reached after 4.1s in userspace" (the default target,
# multi-user.target plus nothing on a server) as kernel=, initrd=, userspace=,
# target= in ms (initrd only when systemd ran in the initrd) and target_name=.
sa_split() {
	awk '
	function ms(s,   n, i, t, v, tot) {
		n = split(s, t, " ")
		for (i = 1; i <= n; i++) {
			v = t[i] + 0
			if (t[i] ~ /min$/) tot += v * 60000
			else if (t[i] ~ /ms$/) tot += v
			else if (t[i] ~ /us$/) tot += v / 1000
			else if (t[i] ~ /h$/) tot += v * 3600000
			else if (t[i] ~ /s$/) tot += v * 1000
		}
		return tot
	}
	/^Startup finished in / {
		s = $0; sub(/^Startup finished in /, "", s); sub(/ = .*/, "", s)
		n = split(s, part, " [+] ")
		for (i = 1; i <= n; i++) {
			name = part[i]; sub(/.*[(]/, "", name); sub(/[)].*/, "", name)
			val = part[i]; sub(/ [(].*/, "", val)
			printf "%s=%.0f\n", name, ms(val)
		}
	}
	/ reached after / { s = $0; sub(/.* reached after /, "", s); sub(/ in userspace.*/, "", s)
		t = $0; sub(/ reached after .*/, "", t)
		printf "target=%.0f\ntarget_name=%s\n", ms(s), t }'
}

kv() { sed -n "s/^$1=//p" "$2"; } # KEY FILE

# One Debian VM: minivmm start to a root shell with the system up (host side),
# systemd's own split, memory; then `systemctl poweroff`, which must end minivmm
# with 0.
deb_vm_once() {
	i=$1
	deb_vm_start "deb-vm-$i"
	pss=
	if deb_up; then
		vp=$(pidof minivmm | cut -d' ' -f1)
		[ -n "$vp" ] && pss=$(awk '/^Pss:/ { print $2 }' "/proc/$vp/smaps_rollup" 2>/dev/null)
		echo 'systemctl poweroff' >&7
		deb_vm_end 300
	else
		deb_vm_end 0
	fi
	st=$(field status <"$T/deb-vm-$i.res")
	ready=$(field marker_ms <"$T/deb-vm-$i.res")
	if [ "$st" != 0 ] || [ -z "$ready" ] || [ "$ready" = -1 ]; then
		deb_vm_failed "boot run $i: the Debian VM failed (status ${st:-?}, vmmstat $deb_status)"
		return 1
	fi
	deb_console LAB-SA | sa_split >"$T/sa-$i"
	k=$(kv kernel "$T/sa-$i") r=$(kv initrd "$T/sa-$i") u=$(kv userspace "$T/sa-$i")
	tg=$(kv target "$T/sa-$i")
	kv target_name "$T/sa-$i" >"$T/target"
	mu=
	[ -n "$k" ] && [ -n "$tg" ] && mu=$((k + ${r:-0} + tg))
	echo "$i,vm,$ready,$(field exit_ms <"$T/deb-vm-$i.res"),$(field rss_kb <"$T/deb-vm-$i.res"),$(field overhead_kb <"$T/deb-vm-$i.res"),$pss,,$k,$r,$u,$mu" >>"$CSV"
	echo "$ready"
}

# One container from the same root file system (read-only mount of the same disk).
deb_ctr_once() {
	i=$1
	deb_mount ro || { say "boot run $i: cannot mount the Debian disk" >&2; return 1; }
	"$VMMSTAT" -v -- build/minictr --boot-time --mem-report --rootfs "$T/debroot" -- /bin/true \
		>"$T/ctr.res" 2>"$T/ctr.err"
	st=$(field status <"$T/ctr.res")
	r=
	[ "$have_crun" = yes ] && { r=$(crun_once "$i") || { r=failed; have_crun=no; }; }
	deb_umount
	boot=$(sed -n 's/.*minictr: boot-time-ms=\([0-9.]*\).*/\1/p' "$T/ctr.err" | head -n 1)
	peak=$(sed -n 's/.*minictr: mem-peak-kib=\([0-9]*\).*/\1/p' "$T/ctr.err" | head -n 1)
	if [ -z "$boot" ] || [ "$st" != 0 ]; then
		{ say "boot run $i: container failed (status ${st:-?}); its output:"
		  sed 's/^/    /' "$T/ctr.err" | tail -n 15; } >&2
		return 1
	fi
	echo "$i,container,$boot,$(field exit_ms <"$T/ctr.res"),,,,$peak,,,," >>"$CSV"
	echo "$boot ms${r:+, crun run $r ms}"
}

lab_boot_debian() {
	runs=$1
	CSV=$OUT/boot-debian.csv
	deb_disk_setup
	echo "run,kind,start_to_ready_ms,start_to_exit_ms,vmm_rss_kib,vmm_rss_outside_guest_ram_kib,vmm_pss_kib,container_mem_peak_kib,kernel_ms,initrd_ms,userspace_ms,default_target_ms" >"$CSV"
	have_crun=no
	if command -v crun >/dev/null 2>&1; then
		deb_mount ro || die "cannot mount $DEB_DISK"
		if crun_bundle "$T/debroot" >"$T/bundle.log" 2>&1; then
			have_crun=yes
		else
			say "crun is installed but its bundle could not be made: $(tail -n 1 "$T/bundle.log")"
		fi
		deb_umount
	fi
	say "boot --os debian: $runs runs each of VM (minivmm, $DEB_MEM, 1 vCPU, Debian from its disk) and container (minictr, the same root file system)$([ $have_crun = yes ] && echo ', and crun'), interleaved"
	failed=0
	i=1
	while [ "$i" -le "$runs" ]; do
		say "boot run $i/$runs: starting the Debian VM (to a running system), then the container"
		v=$(deb_vm_once "$i") || { failed=1; v=failed; }
		c=$(deb_ctr_once "$i") || { failed=1; c=failed; }
		say "boot run $i/$runs: VM start to a running system ${v} ms, container start-to-exec ${c}"
		i=$((i + 1))
	done

	{
		echo "{"
		echo "  \"runs\": $runs, \"os\": \"debian\", \"vm_mem\": \"$DEB_MEM\", \"image\": \"build/image/debian.img\","
		echo "  \"vm\": {$(json_stats start_to_ready_ms vm 3), $(json_stats kernel_ms vm 9), $(json_stats initrd_ms vm 10), $(json_stats userspace_ms vm 11), $(json_stats default_target_ms vm 12), $(json_stats vmm_rss_kib vm 5), $(json_stats vmm_rss_outside_guest_ram_kib vm 6), $(json_stats vmm_pss_kib vm 7)},"
		echo "  \"container\": {$(json_stats start_to_exec_ms container 3), $(json_stats start_to_exit_ms container 4), $(json_stats mem_peak_kib container 8)},"
		echo "  \"crun\": {$(json_stats start_to_exit_ms crun 4)}"
		echo "}"
	} >"$OUT/boot-debian.json"

	echo
	echo "Boot, Debian 12 (systemd): median (p10-p90) over $runs runs each, interleaved"
	{
		echo "metric|VM (minivmm)|container (minictr)|crun"
		echo "start to a running system / exec of COMMAND (ms)|$(cell vm 3)|$(cell container 3)|n/a (no timer)"
		echo "  systemd-analyze: kernel (ms)|$(cell vm 9)|- (no kernel of its own)|-"
		echo "  systemd-analyze: initrd (ms)|$(cell vm 10)|- (no initrd)|-"
		echo "  systemd-analyze: userspace (ms)|$(cell vm 11)|- (no init system)|-"
		echo "  systemd-analyze: kernel start to $(cat "$T/target" 2>/dev/null || echo 'default target') (ms)|$(cell vm 12)|-|-"
		echo "start to exit (ms)|$(cell vm 4) (incl. poweroff)|$(cell container 4)|$(cell crun 4)"
		echo "host memory: VMM RSS (KiB)|$(cell vm 5)|-|-"
		echo "host memory: VMM RSS outside guest RAM (KiB)|$(cell vm 6)|-|-"
		echo "host memory: VMM PSS (KiB)|$(cell vm 7)|-|-"
		echo "host memory: cgroup memory.peak (KiB)|-|$(cell container 8)|n/a"
	} | table | tee "$OUT/boot-debian.txt"
	echo

	{
		echo "TITLE|Debian 12: minivmm VM vs minictr container, $runs runs each (median, p10-p90)"
		echo "PANEL|start to a running system (VM) / exec (container), ms, log scale|log"
		set -- $(column vm 3 | stats); echo "BAR|VM: minivmm start to a running system|$1|$2|$3|#4e79a7"
		set -- $(column vm 12 | stats); [ "$1" != n/a ] && echo "BAR|VM: kernel start to $(cat "$T/target" 2>/dev/null || echo "default target") (systemd-analyze)|$1|$2|$3|#76b7b2"
		set -- $(column container 3 | stats); echo "BAR|container: minictr start to exec|$1|$2|$3|#f28e2b"
		set -- $(column crun 4 | stats); [ "$1" != n/a ] && echo "BAR|crun: run of /bin/true, start to exit|$1|$2|$3|#59a14f"
		echo "PANEL|host memory, MiB|lin"
		set -- $(column vm 5 | stats); echo "BAR|VM: VMM RSS (incl. guest RAM touched)|$(mib "$1")|$(mib "$2")|$(mib "$3")|#4e79a7"
		set -- $(column vm 6 | stats); echo "BAR|VM: VMM RSS outside guest RAM|$(mib "$1")|$(mib "$2")|$(mib "$3")|#a0cbe8"
		set -- $(column container 8 | stats); echo "BAR|container: cgroup memory.peak|$(mib "$1")|$(mib "$2")|$(mib "$3")|#f28e2b"
	} | awk -F'|' -f tools/lab.d/svg.awk >"$OUT/boot-debian.svg"
	say "results: $OUT/boot-debian.csv $OUT/boot-debian.json $OUT/boot-debian.txt $OUT/boot-debian.svg"
	return $failed
}

# isolation --os debian: the probes on the host, in a container from the Debian
# root file system and in the Debian VM, which then crashes its own kernel.
lab_isolation_debian() {
	failed=0
	deb_disk_setup
	sleep 7777777 &
	marker=$!

	say "isolation 1/3: probing the host"
	sh tests/guest/lab_probe.sh >"$T/host.log" 2>&1

	say "isolation 2/3: probing inside a container (minictr, the Debian root file system)"
	limit=
	grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null && limit="--mem 256M"
	if deb_mount ro; then
		# shellcheck disable=SC2086
		build/minictr --hostname lab-container $limit --rootfs "$T/debroot" -- /bin/sh "$DEB_PROBE" \
			>"$T/ctr.log" 2>&1
		cst=$?
		deb_umount
	else
		echo "cannot mount the Debian disk" >"$T/ctr.log"
		cst=1
	fi
	if [ $cst != 0 ] || ! grep -q LAB-PROBE "$T/ctr.log"; then
		say "the container probe failed (status $cst):"; tail -n 15 "$T/ctr.log"
		failed=1
	fi

	say "isolation 3/3: probing inside the Debian VM (minivmm, $DEB_MEM, 1 vCPU), then crashing its kernel"
	# --no-reboot: the panic (panic=-1 asks for a reset) ends minivmm either way.
	deb_vm_start deb-iso --no-reboot
	vm_panic=
	if deb_up; then
		# shellcheck disable=SC2016 # the guest's shell expands it
		printf 'sh %s | sed "s/^/LAB-VM /"; echo "LAB-DEB-PROBED-$((0 + 1))"\n' "$DEB_PROBE" >&7
		if deb_wait LAB-DEB-PROBED-1 "$DEB_STEP_LIMIT" "the probes"; then
			up0=$(cut -d' ' -f1 /proc/uptime)
			echo 'echo c > /proc/sysrq-trigger' >&7
			deb_vm_end 300
			up1=$(cut -d' ' -f1 /proc/uptime)
			pst=$(field status <"$T/deb-iso.res")
			panic_line=$(tr -d '\r' <"$T/deb-iso.log" | grep -m1 'Kernel panic' | sed 's/^| *//; s/^\[[^]]*\] *//')
			host_ok=no
			build/minictr --rootfs build/guest/rootfs -- /bin/true >/dev/null 2>&1 &&
				awk -v a="$up0" -v b="$up1" 'BEGIN { exit !(b > a) }' && host_ok=yes
			if [ -n "$panic_line" ]; then
				vm_panic="guest kernel panicked (\"$panic_line\"); minivmm exited with status $pst; host fine: $host_ok"
			fi
		else
			deb_vm_failed "the probes did not finish"
			deb_vm_end 0
		fi
	else
		deb_vm_failed "the Debian VM did not come up"
		deb_vm_end 0
	fi
	[ -n "$vm_panic" ] || { vm_panic="no panic seen"; failed=1; }
	kill "$marker" 2>/dev/null
	wait "$marker" 2>/dev/null
	deb_console LAB-VM >"$T/vm.log"
	grep -q LAB-PROBE "$T/vm.log" || { say "the VM probe printed nothing"; failed=1; }
	ctr_panic="not triggered: a container runs on the host kernel, so a kernel panic there is a host panic that ends every container and the host itself (minictr also keeps /proc/sysrq-trigger read-only)"
	isolation_tables isolation-debian "Isolation, Debian 12: the same probes on the host, in the Debian VM and in a container from its root file system"
	return $failed
}
