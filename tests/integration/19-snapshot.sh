# Snapshots (PUT /vm/snapshot, minivmm --restore; docs/api.md): the counting
# guest (tests/guest/counter.sh) is snapshotted while paused and restored:
# it goes on from the snapshotted value, a disk written after the restore
# holds the data, and it powers off with status 0; one snapshot restored
# twice side by side goes on in both clones; a damaged snapshot is refused
# before any vCPU runs. The API helpers are lib.sh's.

# first_count LOG: the first COUNT a (restored) guest printed.
first_count() {
	tr -d '\r' <"$1" | sed -n 's/^COUNT=//p' | head -n 1
}

# restore_vm NAME SNAPSHOT [args...]: start minivmm --restore in the
# background ($RESTORE_PID), console in $T/NAME.log, API on $T/NAME.sock.
restore_vm() {
	name=$1 snap=$2
	shift 2
	: >"$T/$name.log"
	"$MINIVMM" --restore "$snap" --console "file=$T/$name.log" --api-sock "$T/$name.sock" \
		"$@" </dev/null 2>"$T/$name.err" &
	RESTORE_PID=$!
}

# snapshot_of NAME DIR: pause the running api_vm NAME, snapshot it into DIR,
# note its last count in $SNAP_COUNT, stop it (120).
snapshot_of() {
	api "$1-pause" PUT /vm/pause
	sleep 1 # what the guest printed before it parked reaches the file
	SNAP_COUNT=$(last_count "$1")
	"$VMCTL" -i "$API" PUT /vm/snapshot "{\"path\":\"$2\"}" >"$T/$1-snap.json" 2>&1
	SNAP_STATUS=$?
	"$VMCTL" "$API" PUT /vm/stop >/dev/null 2>&1
	await_exit 30
}

if ! api_vm snapa; then
	fail "snapshot: counting guest" "no COUNT=2"
	show_log "$T/snapa.err"
	kill -KILL "$API_PID" 2>/dev/null
else
	"$VMCTL" -i "$API" PUT /vm/snapshot "{\"path\":\"$T/snap1\"}" >"$T/snap-running.json" 2>&1
	snapshot_of snapa "$T/snap1"
	if [ "$SNAP_STATUS" = 0 ] && grep -q '"state_bytes":[1-9]' "$T/snapa-snap.json" &&
		grep -q ' 409 ' "$T/snap-running.json" && [ -f "$T/snap1/state" ] &&
		[ "$(stat -c %s "$T/snap1/memory")" = $((256 << 20)) ]; then
		pass "PUT /vm/snapshot: refused while running (409), written when paused at COUNT=$SNAP_COUNT ($(sed -n 's/.*"ms":\([0-9]*\).*/\1/p' "$T/snapa-snap.json") ms; memory $(du -k "$T/snap1/memory" | cut -f1) KiB on disk)"
	else
		fail "PUT /vm/snapshot" "status $SNAP_STATUS: $(cat "$T/snapa-snap.json"); running: $(cat "$T/snap-running.json")"
		show_log "$T/snapa.err"
	fi
	snap1_count=$SNAP_COUNT

	# Restored: the counter goes on from the snapshot, the disk takes new
	# writes, the guest powers off in order.
	restore_vm rest1 "$T/snap1"
	if wait_for_line "$T/rest1.log" "^COUNT=$((snap1_count + 6))\$" 120; then
		first=$(first_count "$T/rest1.log")
		"$VMCTL" -i "$T/rest1.sock" GET /vm >"$T/rest1-vm.json" 2>&1
		"$VMCTL" "$T/rest1.sock" PUT /vm/shutdown >/dev/null 2>&1
		await_exit 60 "$RESTORE_PID"
		disk=$(head -c 512 "$T/snapa.img" | tr -d '\0' | sed -n 's/^DISK-COUNT=//p')
		if [ "$first" = $((snap1_count + 1)) ] && has rest1-vm '"state":"running"' &&
			[ "$VM_STATUS" = 0 ] && [ -n "$disk" ] && [ "$disk" -gt "$snap1_count" ]; then
			pass "--restore: the guest goes on from COUNT=$snap1_count ($first next), writes its disk after the restore (DISK-COUNT=$disk), powers off with 0"
		else
			fail "--restore" "first count '$first' (want $((snap1_count + 1))), status $VM_STATUS, disk '$disk'"
			show_log "$T/rest1.log"
			show_log "$T/rest1.err"
		fi
	else
		fail "--restore" "no COUNT=$((snap1_count + 6)) after the restore"
		show_log "$T/rest1.log"
		show_log "$T/rest1.err"
		kill -KILL "$RESTORE_PID" 2>/dev/null
	fi

	# A damaged snapshot: refused with one line, before /dev/kvm is used.
	mkdir -p "$T/snapbad"
	cp "$T/snap1/state" "$T/snapbad/state"
	ln -s "$T/snap1/memory" "$T/snapbad/memory"
	printf 'X' | dd of="$T/snapbad/state" bs=1 seek=200 conv=notrunc 2>/dev/null
	"$MINIVMM" --restore "$T/snapbad" --console none </dev/null >/dev/null 2>"$T/snapbad.err"
	bad=$?
	head -c 100 "$T/snap1/state" >"$T/snapbad/state"
	"$MINIVMM" --restore "$T/snapbad" --console none </dev/null >/dev/null 2>"$T/snapcut.err"
	cut=$?
	if [ "$bad" = 2 ] && grep -q 'checksum' "$T/snapbad.err" && [ "$cut" = 2 ] &&
		grep -q 'truncated' "$T/snapcut.err"; then
		pass "a corrupted or truncated snapshot is refused (exit 2): $(cat "$T/snapbad.err")"
	else
		fail "damaged snapshot" "status $bad: $(cat "$T/snapbad.err"); cut: $cut: $(cat "$T/snapcut.err")"
	fi
fi

# Clones: one snapshot (of a guest without a disk, which only one VM could
# hold) restored twice, side by side.
API_VM_DISK=no
api_vm snapb
snapb_up=$?
API_VM_DISK=yes
if [ "$snapb_up" = 0 ]; then
	snapshot_of snapb "$T/snap2"
	snap2_count=$SNAP_COUNT
	restore_vm clone1 "$T/snap2"
	c1=$RESTORE_PID
	restore_vm clone2 "$T/snap2"
	c2=$RESTORE_PID
	ok1=no ok2=no
	wait_for_line "$T/clone1.log" "^COUNT=$((snap2_count + 4))\$" 120 && ok1=yes
	wait_for_line "$T/clone2.log" "^COUNT=$((snap2_count + 4))\$" 60 && ok2=yes
	f1=$(first_count "$T/clone1.log")
	f2=$(first_count "$T/clone2.log")
	"$VMCTL" "$T/clone1.sock" PUT /vm/stop >/dev/null 2>&1
	"$VMCTL" "$T/clone2.sock" PUT /vm/stop >/dev/null 2>&1
	await_exit 30 "$c1"
	s1=$VM_STATUS
	await_exit 30 "$c2"
	s2=$VM_STATUS
	if [ "$ok1" = yes ] && [ "$ok2" = yes ] && [ "$f1" = $((snap2_count + 1)) ] &&
		[ "$f2" = $((snap2_count + 1)) ] && [ "$s1" = 120 ] && [ "$s2" = 120 ]; then
		pass "one snapshot, two clones side by side: both go on from COUNT=$snap2_count"
	else
		fail "clones" "counting: $ok1/$ok2, first counts $f1/$f2 (want $((snap2_count + 1))), status $s1/$s2"
		show_log "$T/clone1.err"
		show_log "$T/clone2.err"
	fi
else
	fail "snapshot: diskless counting guest" "no COUNT=2"
	kill -KILL "$API_PID" 2>/dev/null
fi

# A NIC after a restore: a guest on a TAP in a network namespace of this
# test answers the host's ping; it is snapshotted and stopped (its TAP goes
# with it), and the restored minivmm reopens the TAP by name: the guest,
# which never reconfigured anything, answers again.
SNAP_NS=$T/snapns
: >"$SNAP_NS"
if unshare --net="$SNAP_NS" true; then
	nsenter --net="$SNAP_NS" ip link set lo up
	# minivmm inside the namespace: the same process (nsenter execs it).
	printf '#!/bin/sh\nexec nsenter --net="%s" "%s" "$@"\n' "$SNAP_NS" "$MINIVMM" >"$T/minivmm-ns"
	chmod +x "$T/minivmm-ns"
	host_minivmm=$MINIVMM
	MINIVMM=$T/minivmm-ns
	ping_guest() { # TRIES: the guest answers the host within TRIES pings
		n=0
		until nsenter --net="$SNAP_NS" ping -c 1 -W 1 169.254.20.2 >/dev/null 2>&1; do
			n=$((n + 1))
			[ $n -lt "$1" ] || return 1
		done
	}
	API_VM_DISK=no API_VM_APPEND=mvcount.ip=169.254.20.2/24
	api_vm snapn --net tap=mvsn0
	snapn_up=$?
	API_VM_DISK=yes API_VM_APPEND=
	tap_host_up "$SNAP_NS" mvsn0 169.254.20.1/24
	if [ "$snapn_up" = 0 ] && ping_guest 30; then
		snapshot_of snapn "$T/snap3"
		restore_vm restn "$T/snap3"
		tap_host_up "$SNAP_NS" mvsn0 169.254.20.1/24
		if wait_for_line "$T/restn.log" "^COUNT=$((SNAP_COUNT + 2))\$" 120 && ping_guest 30 &&
			nsenter --net="$SNAP_NS" ping -c 3 -W 2 169.254.20.2 >"$T/restn-ping" 2>&1; then
			pass "a NIC after --restore: the TAP reopened by name, the host pings the restored guest ($(sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/avg \1 ms/p' "$T/restn-ping"))"
		else
			fail "a NIC after --restore" "no ping answer from the restored guest: $(cat "$T/restn-ping" 2>/dev/null)"
			show_log "$T/restn.log"
			show_log "$T/restn.err"
		fi
		"$VMCTL" "$T/restn.sock" PUT /vm/stop >/dev/null 2>&1
		await_exit 30 "$RESTORE_PID"
	else
		fail "a NIC before the snapshot" "guest up: $snapn_up; no ping answer from 169.254.20.2"
		show_log "$T/snapn.log"
		show_log "$T/snapn.err"
		kill -KILL "$API_PID" 2>/dev/null
	fi
	MINIVMM=$host_minivmm
	umount "$SNAP_NS" 2>/dev/null
else
	fail "a NIC after --restore" "unshare --net=FILE failed"
fi

# The snapshots' memory files live in the box's RAM: give it back.
rm -rf "$T/snap1" "$T/snap2" "$T/snap3" "$T/snapbad"
