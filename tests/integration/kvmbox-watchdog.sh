#!/bin/sh
# tools/kvmbox never wedges silently: a box that stops responding (its QEMU
# stopped with SIGSTOP, as a hung emulator would be) is killed within a minute,
# with a clear error and the box's last kernel messages. Host side; needs only
# QEMU (make deps), no KVM. Prints one line per check.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
W=$(mktemp -d)
trap 'kill -KILL $box 2>/dev/null; rm -rf "$W"' EXIT

tools/kvmbox -- sh -c 'echo WATCHDOG-TEST-RUNNING; sleep 600' >"$W/out" 2>"$W/err" &
box=$!
# Wait (bounded) for the command to run inside the box.
i=0
while [ $i -lt 180 ] && ! grep -q WATCHDOG-TEST-RUNNING "$W/out"; do
	sleep 1
	i=$((i + 1))
done
qpid= run=
for d in /dev/shm/kvmbox-run.* build/kvmbox/kvmbox-run.*; do
	[ "$(cat "$d/owner" 2>/dev/null)" = "$box" ] && run=$d qpid=$(cat "$d/qemu.realpid" 2>/dev/null)
done
# ... and for its first heartbeat: the box was healthy before it stops.
while [ $i -lt 180 ] && [ -n "$run" ] && ! grep -q '^KVMBOX-HB ' "$run/kernel.log" 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
if [ -z "$qpid" ] || ! grep -q WATCHDOG-TEST-RUNNING "$W/out" || ! grep -q '^KVMBOX-HB ' "$run/kernel.log"; then
	fail "kvmbox watchdog" "gave up after ${i} s waiting for the box to run its command and send a heartbeat (QEMU pid '$qpid')"
	show_log "$W/err"
else
	kill -STOP "$qpid"
	t0=$(date +%s)
	i=0
	while [ $i -lt 120 ] && kill -0 "$box" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
	took=$(($(date +%s) - t0))
	if kill -0 "$box" 2>/dev/null; then
		fail "kvmbox watchdog" "kvmbox still running ${took} s after its QEMU was stopped"
		kill -KILL "$qpid" 2>/dev/null
	else
		wait "$box"
		rc=$?
		if [ "$rc" = 125 ] && [ "$took" -le 60 ] && ! kill -0 "$qpid" 2>/dev/null &&
			grep -q '^kvmbox: error: the box stopped responding' "$W/err" &&
			grep -q 'KVMBOX-HB ' "$W/err"; then
			pass "kvmbox kills a box that stopped responding after ${took} s (status 125, last kernel messages shown)"
		else
			fail "kvmbox watchdog" "status $rc after ${took} s, QEMU $(kill -0 "$qpid" 2>/dev/null && echo alive || echo gone)"
			show_log "$W/err"
		fi
	fi
fi
echo "kvmbox-watchdog: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
