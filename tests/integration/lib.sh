# Shared helpers for integration tests (POSIX sh, busybox-compatible: the
# suite runs inside tools/kvmbox where only busybox exists).
# Each tests/integration/NN-*.sh is sourced by suite.sh in order.

MINIVMM=${MINIVMM:-build/minivmm}
# The suite boots the PVH vmlinux (no in-guest decompression: faster);
# 11-kernels.sh and cli-errors.sh cover the bzImage.
BZIMAGE=${BZIMAGE:-build/guest/bzImage}
VMLINUX=${VMLINUX:-build/guest/vmlinux}
KERNEL=${KERNEL:-$VMLINUX}
INITRD=${INITRD:-build/guest/initramfs.cpio.gz}
VMCTL=${VMCTL:-build/vmctl}
. guest/cmdline.sh
VM_TIMEOUT=${VM_TIMEOUT:-240}
T=${T:-$(mktemp -d)}
PASSED=${PASSED:-0}
FAILED=${FAILED:-0}
FAILED_NAMES=${FAILED_NAMES:-}

pass() {
	PASSED=$((PASSED + 1))
	echo "ok   - $1"
}

fail() {
	FAILED=$((FAILED + 1))
	FAILED_NAMES="$FAILED_NAMES $1"
	echo "FAIL - $1: $2"
}

# show_log FILE: the tail of a log, indented, when a test fails.
show_log() {
	[ -f "$1" ] && tail -n 25 "$1" | sed 's/^/     | /'
}

# vm_test NAME GUEST_TEST [minivmm args...]
# Boot the guest running tests/guest/GUEST_TEST.sh; its console goes to
# $T/NAME.log, minivmm's stderr to $T/NAME.err, the exit status to $VM_STATUS.
vm_test() {
	name=$1 gtest=$2
	shift 2
	timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--console "file=$T/$name.log" \
		--append "$GUEST_CMDLINE minivmm.test=$gtest" "$@" 2>"$T/$name.err"
	VM_STATUS=$?
}

# log_value NAME KEY: the value of the first "KEY=value" line the guest printed.
log_value() {
	tr -d '\r' <"$T/$1.log" | sed -n "s/^$2=//p" | head -n 1
}

# expect_status NAME WANT: pass/fail on the last VM's exit status.
expect_status() {
	if [ "$VM_STATUS" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit status $VM_STATUS, want $2"
		show_log "$T/${3:-$1}.log"
		show_log "$T/${3:-$1}.err"
	fi
}

# stop_vm PID SECONDS: SIGTERM, up to SECONDS for minivmm to exit, then
# SIGKILL; the exit status in $VM_STATUS.
stop_vm() {
	kill -TERM "$1" 2>/dev/null
	n=0
	while [ $n -lt "$2" ] && kill -0 "$1" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	VM_STATUS=$?
}

# tap_host_up NETNS_FILE TAP ADDR/PREFIX: once minivmm has created TAP in the
# network namespace (up to 60 s), give the host's end ADDR and bring it up.
tap_host_up() {
	n=0
	until nsenter --net="$1" ip link show dev "$2" >/dev/null 2>&1 || [ $n -gt 300 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	nsenter --net="$1" ip addr add "$3" dev "$2"
	nsenter --net="$1" ip link set "$2" up
}

# wait_for_line FILE PATTERN SECONDS: until a line of FILE (carriage returns
# dropped) matches PATTERN; 1 if SECONDS pass first.
wait_for_line() {
	n=0
	while ! tr -d '\r' <"$1" 2>/dev/null | grep -q "$2"; do
		n=$((n + 1))
		[ $n -le $(($3 * 2)) ] || return 1
		sleep 0.5
	done
}

# The control API's socket for api_vm and api.
API="$T/api.sock"

# api_vm NAME [args...]: start the counting guest (tests/guest/counter.sh)
# with the API on $API in the background ($API_PID), 2 vCPUs, 256 MiB and a
# 1 MiB disk $T/NAME.img (none with API_VM_DISK=no), API_VM_APPEND added to
# its kernel command line; wait for its first counts.
api_vm() {
	name=$1
	shift
	dd if=/dev/zero of="$T/$name.img" bs=1M count=1 2>/dev/null
	: >"$T/$name.log"
	if [ "${API_VM_DISK:-yes}" = yes ]; then
		set -- --disk "$T/$name.img" "$@"
	fi
	"$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
		--console "file=$T/$name.log" --api-sock "$API" \
		--append "$GUEST_CMDLINE minivmm.test=counter ${API_VM_APPEND:-}" "$@" </dev/null 2>"$T/$name.err" &
	API_PID=$!
	wait_for_line "$T/$name.log" '^COUNT=2$' "$VM_TIMEOUT"
}

# last_count NAME: the highest COUNT the guest has printed.
last_count() {
	tr -d '\r' <"$T/$1.log" | sed -n 's/^COUNT=//p' | tail -n 1
}

# api NAME METHOD PATH: the answer (status line, body) in $T/NAME.json,
# vmctl's status in $API_STATUS.
api() {
	"$VMCTL" -i "$API" "$2" "$3" >"$T/$1.json" 2>&1
	API_STATUS=$?
}

# has NAME PATTERN: the answer in $T/NAME.json contains PATTERN (compact JSON).
has() {
	grep -q "$2" "$T/$1.json"
}

# await_exit SECONDS [PID]: up to SECONDS for PID (default $API_PID) to end
# by itself (then it is stopped); its status in $VM_STATUS; then the API
# socket's remover has its moment to act.
await_exit() {
	await_pid=${2:-$API_PID}
	n=0
	while [ $n -lt "$1" ] && kill -0 "$await_pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
	done
	stop_vm "$await_pid" 1
	sleep 0.5
}
