# --jail (vmm/jail.c): a VM with a disk and a NIC whose VMM runs as PID 1 of
# its own PID, mount, IPC and UTS namespaces, rooted in a directory, as an
# unprivileged user with no capabilities, no_new_privs and seccomp on every
# thread, in a cgroup with --jail-mem/--jail-cpus. The guest reads and writes
# its disk and pings the host over its TAP; SIGTERM to the minivmm outside
# the jail is relayed in, the guest powers off, status 0, the cgroup is gone.
JAIL_NS=$T/jailns
JAIL_UID=4242
jail_ns() { nsenter --net="$JAIL_NS" "$@"; }
# The jailed VMM: the child of the minivmm outside ($pid) that is not the API
# socket's remover (minivmm-api-rm, forked before the jail).
jail_child() {
	c=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)
	if [ -z "$c" ]; then
		for st in /proc/[0-9]*/stat; do
			[ "$(sed 's/^.*) [A-Za-z] \([0-9]*\) .*/\1/' "$st" 2>/dev/null)" = "$pid" ] ||
				continue
			c="$c ${st#/proc/}"
			c=${c%/stat}
		done
	fi
	for k in $c; do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = minivmm-api-rm ] || echo "$k"
	done
}
# status_field FILE NAME: the value of one /proc status line, tabs as spaces.
status_field() { sed -n "s/^$2:[[:space:]]*//p" "$1" | tr -s '\t ' '  '; }

mkdir -p "$T/jail"
echo "the jail's own root" >"$T/jail/JAIL-ROOT"
head -c $((1 << 20)) /dev/zero >"$T/jail.img"
printf 'minivmm-jail-disk' | dd of="$T/jail.img" conv=notrunc 2>/dev/null
: >"$JAIL_NS"
if ! unshare --net="$JAIL_NS" true; then
	fail "jail: network namespace" "unshare --net=FILE failed"
else
	jail_ns ip link set lo up
	# nsenter execs minivmm: $! is the minivmm outside the jail.
	nsenter --net="$JAIL_NS" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
		--console "file=$T/jail.log" --disk "$T/jail.img" --net tap=mvtj0 \
		--jail "$T/jail" --uid $JAIL_UID --gid $JAIL_UID --jail-mem 400M --jail-cpus 1.5 \
		--api-sock "$T/jail-api.sock" \
		--timeout "$VM_TIMEOUT" \
		--append "$GUEST_CMDLINE minivmm.test=jail mvjail.host=169.254.12.1" \
		2>"$T/jail.err" &
	pid=$!
	tap_host_up "$JAIL_NS" mvtj0 169.254.12.1/24

	if wait_for_line "$T/jail.log" '^JAIL-READY=' "$VM_TIMEOUT"; then
		child=$(jail_child)
		cs=/proc/$child/status
		guest="read '$(tr -d '\r' <"$T/jail.log" | sed -n 's/^JAIL-DISK-READ=//p')'"
		guest="$guest, write $(tr -d '\r' <"$T/jail.log" | sed -n 's/^JAIL-DISK-WRITE=//p')"
		guest="$guest, ping $(tr -d '\r' <"$T/jail.log" | sed -n 's/^JAIL-PING=//p')"
		if tr -d '\r' <"$T/jail.log" | grep -q '^JAIL-READY=0' &&
			tr -d '\r' <"$T/jail.log" | grep -q '^JAIL-DISK-READ=minivmm-jail-disk'; then
			pass "jail: the guest uses its disk and NIC ($guest)"
		else
			fail "jail: guest disk and NIC" "$guest"
			show_log "$T/jail.log"
		fi
		if jail_ns ping -c 2 -W 2 169.254.12.2 >/dev/null 2>&1; then
			pass "jail: the host pings the jailed VM's guest"
		else
			fail "jail: host pings guest" "no answer from 169.254.12.2"
		fi

		# Every thread: the new uid and gid, no capabilities, NoNewPrivs, seccomp.
		bad="" threads=""
		for s in /proc/"$child"/task/*/status; do
			[ -f "$s" ] || continue
			name=$(status_field "$s" Name)
			threads="$threads $name"
			[ "$(status_field "$s" Uid)" = "$JAIL_UID $JAIL_UID $JAIL_UID $JAIL_UID" ] &&
				[ "$(status_field "$s" Gid)" = "$JAIL_UID $JAIL_UID $JAIL_UID $JAIL_UID" ] &&
				[ "$(status_field "$s" Groups)" = "" ] &&
				[ "$(status_field "$s" CapEff)" = 0000000000000000 ] &&
				[ "$(status_field "$s" CapPrm)" = 0000000000000000 ] &&
				[ "$(status_field "$s" CapBnd)" = 0000000000000000 ] &&
				[ "$(status_field "$s" NoNewPrivs)" = 1 ] &&
				[ "$(status_field "$s" Seccomp)" = 2 ] || bad="$bad $name"
		done
		if [ -n "$child" ] && [ -z "$bad" ] && echo "$threads" | grep -q vcpu1 &&
			echo "$threads" | grep -q vio-blk0 && echo "$threads" | grep -q vio-net0; then
			pass "jail: every thread uid/gid $JAIL_UID, CapEff/CapPrm/CapBnd 0, NoNewPrivs 1, Seccomp 2:$threads"
		else
			fail "jail: credentials" "child '${child}', threads:$threads; wrong:${bad:- none}"
			[ -f "$cs" ] && sed 's/^/     | /' "$cs"
		fi

		# Its root is the jail directory; it is PID 1 of its own namespaces.
		root_id=$(stat -L -c %d:%i "/proc/$child/root" 2>/dev/null)
		ns_ok=1
		for ns in pid mnt ipc uts; do
			[ "$(readlink "/proc/$child/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ] || ns_ok=0
		done
		nspid=$(status_field "$cs" NSpid)
		if [ "$root_id" = "$(stat -c %d:%i "$T/jail")" ] && [ -f "/proc/$child/root/JAIL-ROOT" ] &&
			[ "$ns_ok" = 1 ] && [ "${nspid##* }" = 1 ]; then
			pass "jail: root is the jail directory, PID 1 (NSpid $nspid) in new pid/mnt/ipc/uts namespaces"
		else
			fail "jail: root and namespaces" "root $root_id, namespaces new: $ns_ok, NSpid '$nspid'"
		fi

		# The API socket, bound before the jail, is served from inside it
		# (the "api" thread above is confined like every other).
		if "$VMCTL" "$T/jail-api.sock" GET /vm >"$T/jail-api.json" 2>&1 &&
			grep -q '"state":"running"' "$T/jail-api.json" && echo "$threads" | grep -q ' api'; then
			pass "jail: the control API answers from inside the jail (GET /vm: running)"
		else
			fail "jail: control API" "$(cat "$T/jail-api.json"); threads:$threads"
		fi

		# Its cgroup carries the limits.
		cg=$(sed -n 's/^0:://p' "/proc/$child/cgroup")
		cgdir=/sys/fs/cgroup$cg
		if [ "$cg" = "/minivmm/vmm-$pid" ] &&
			[ "$(cat "$cgdir/memory.max")" = $((400 << 20)) ] &&
			[ "$(cat "$cgdir/cpu.max")" = "150000 100000" ]; then
			pass "jail: cgroup $cg (memory.max 400 MiB, cpu.max 1.5 CPUs, memory.current $(($(cat "$cgdir/memory.current") >> 20)) MiB)"
		else
			fail "jail: cgroup" "cgroup '$cg'"
		fi
	else
		fail "jail: the guest boots" "no JAIL-READY"
		show_log "$T/jail.log"
		show_log "$T/jail.err"
		cgdir=""
	fi

	stop_vm "$pid" 60
	expect_status "jail: SIGTERM is relayed into the jail, the guest powers off (0)" 0 jail
	sleep 0.5 # the socket's remover acts once every minivmm process is gone
	written=$(dd if="$T/jail.img" bs=512 skip=8 count=1 2>/dev/null | head -c 15)
	if [ "$written" = written-in-jail ] && { [ -z "$cgdir" ] || [ ! -d "$cgdir" ]; } &&
		[ ! -e "$T/jail-api.sock" ]; then
		pass "jail: the guest's write is in the image; the VMM's cgroup and API socket are removed"
	else
		fail "jail: after the VM" "image has '$written', cgroup dir ${cgdir:-?} left, socket: $(ls "$T/jail-api.sock" 2>&1)"
	fi
	umount "$JAIL_NS" 2>/dev/null
fi
