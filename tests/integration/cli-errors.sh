#!/bin/sh
# Bad input gets one clear line and a non-zero exit, before /dev/kvm is
# opened (so these run on any host). Uses the real guest kernel to make
# corrupted variants of it.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
KERNEL=$BZIMAGE # the bzImage's header checks; cli-errors-pvh.sh checks the vmlinux
[ -x "$MINIVMM" ] && [ -f "$KERNEL" ] || { echo "cli-errors: build first (make all guest)"; exit 1; }

# patch FILE OFFSET OCTAL_BYTE: overwrite one byte in place.
patch_byte() {
	printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

cp "$KERNEL" "$T/old-protocol"
patch_byte "$T/old-protocol" $((0x206)) 012      # version 2.10
cp "$KERNEL" "$T/no-64bit"
xlf=$(od -An -tu1 -j $((0x236)) -N1 "$KERNEL" | tr -d ' ')
patch_byte "$T/no-64bit" $((0x236)) "$(printf '%o' $((xlf & ~1)))"
head -c 20000 "$KERNEL" >"$T/truncated"
cp "$KERNEL" "$T/no-magic"
patch_byte "$T/no-magic" $((0x202)) 130           # 'X' instead of 'H'
yes minivmm | head -c 65536 >"$T/text-file"
head -c $((40 << 20)) /dev/zero >"$T/big-initrd"
: >"$T/empty"
head -c 1000 /dev/zero >"$T/odd.img"
mkdir -p "$T/a-directory"

# expect_error NAME PATTERN ARGS...: exit 2, exactly one stderr line, which
# starts "minivmm: error:" and matches PATTERN (extended regex).
expect_error() {
	name=$1 pattern=$2
	shift 2
	"$MINIVMM" "$@" </dev/null >"$T/out" 2>"$T/err"
	st=$?
	lines=$(wc -l <"$T/err" | tr -d ' ')
	if [ "$st" = 2 ] && [ "$lines" = 1 ] && grep -q '^minivmm: error: ' "$T/err" &&
		grep -Eq -e "$pattern" "$T/err"; then
		pass "rejects $name: $(cat "$T/err")"
	else
		fail "rejects $name" "status $st, stderr: $(cat "$T/err")"
	fi
}

K="--kernel $KERNEL"
# vmm/host_kvm.h's HOST_KVM_NO_DEV_MSG: the wording users and scripts know.
HOST_KVM_NO_DEV_MSG="/dev/kvm does not exist: this host has no KVM (run inside tools/kvmbox, which provides one)"
expect_error "no --kernel" "--kernel is required"
expect_error "missing kernel file" "cannot open kernel .*No such file" --kernel "$T/nope"
expect_error "kernel that is a directory" "is a directory" --kernel "$T/a-directory"
expect_error "empty kernel" "empty" --kernel "$T/empty"
expect_error "kernel that is not a bzImage" "bzImage|HdrS" --kernel "$T/text-file"
expect_error "kernel without HdrS magic" "HdrS" --kernel "$T/no-magic"
expect_error "truncated kernel" "truncated" --kernel "$T/truncated"
expect_error "boot protocol too old" "protocol" --kernel "$T/old-protocol"
expect_error "kernel without a 64-bit entry" "64-bit" --kernel "$T/no-64bit"
expect_error "missing initrd" "cannot open initrd" $K --initrd "$T/nope"
expect_error "initrd too large for --mem" "initrd.*(large|fit|memory)" $K --initrd "$T/big-initrd" --mem 96M
expect_error "--mem too small for the kernel" "too small" $K --mem 16M
expect_error "--mem 0" "zero" $K --mem 0
expect_error "malformed --mem" "invalid size" $K --mem 12Q
expect_error "--mem below the minimum" "too small" $K --mem 8M
expect_error "--mem beyond 1T" "too large" $K --mem 2T
expect_error "--cpus 0" "out of range" $K --cpus 0
expect_error "--cpus 65" "out of range" $K --cpus 65
expect_error "--cpus abc" "not a number" $K --cpus abc
expect_error "unknown option" "unknown option '--frobnicate'" $K --frobnicate
expect_error "option without argument" "needs an argument" $K --mem
expect_error "bad --console" "--console" $K --console tty
expect_error "bad --uuid" "not a UUID" $K --uuid 1234
expect_error "empty --api-sock" "api-sock: empty path" $K --api-sock ""
expect_error "--api-sock path too long" "too long for a Unix socket" $K --api-sock "/tmp/$(head -c 120 /dev/zero | tr '\0' s)"
expect_error "--api-sock on a regular file" "exists and is not a socket" $K --api-sock "$T/text-file"
expect_error "--api-sock in a missing directory" "api-sock $T/nope/api.sock: No such file" $K --api-sock "$T/nope/api.sock"
expect_error "--restore with --kernel" "drop --kernel" --restore "$T" $K
expect_error "--restore of a missing snapshot" "restore: $T/nope/state: No such file" --restore "$T/nope"
mkdir -p "$T/badsnap"
yes minivmm | head -c 4096 >"$T/badsnap/state"
expect_error "--restore of a state file that is not one" "restore: $T/badsnap/state" --restore "$T/badsnap"
expect_error "command line too long" "command line" $K --append "$(head -c 70000 /dev/zero | tr '\0' x)"
expect_error "missing disk image" "nope.img" $K --disk "$T/nope.img"
expect_error "disk that is a directory" "a-directory" $K --disk "$T/a-directory"
expect_error "disk size not a multiple of 512" "512" $K --disk "$T/odd.img"
expect_error "unknown disk option" "frob" $K --disk "$T/empty,frob=1"
expect_error "bad --net MAC" "--net tap=t0,mac=zz: bad MAC" $K --net tap=t0,mac=zz
expect_error "multicast --net MAC" "multicast" $K --net tap=t0,mac=01:00:5e:00:00:01
expect_error "--net TAP name too long" "too long" $K --net tap=a-name-of-16-chr
expect_error "--net without tap=" "tap=NAME is required" $K --net mac=02:00:00:00:00:01
expect_error "unknown --net key" "unknown key 'vhost'" $K --net tap=t0,vhost=on
# Without CAP_NET_ADMIN (a fresh user namespace) creating a TAP fails before
# /dev/kvm, with the way out in the message.
if unshare -U true 2>/dev/null; then
	unshare -U "$MINIVMM" $K --net tap=mvnopriv0 </dev/null >/dev/null 2>"$T/err"
	st=$?
	if [ "$st" = 2 ] && [ "$(wc -l <"$T/err" | tr -d ' ')" = 1 ] &&
		grep -q '^minivmm: error: --net tap=mvnopriv0: .*CAP_NET_ADMIN.*netsetup' "$T/err"; then
		pass "rejects --net without CAP_NET_ADMIN: $(cat "$T/err")"
	else
		fail "rejects --net without CAP_NET_ADMIN" "status $st, stderr: $(cat "$T/err")"
	fi
fi

expect_error "--timeout 0" "--timeout: 0 is out of range" $K --timeout 0
expect_error "--timeout -1" "--timeout: '-1' is not a number" $K --timeout -1
expect_error "--timeout abc" "--timeout: 'abc' is not a number" $K --timeout abc
expect_error "empty --timeout" "--timeout: '' is not a number" $K --timeout ""
expect_error "--seccomp maybe" "--seccomp: 'maybe' is not on or off" $K --seccomp=maybe
expect_error "--seccomp without on or off" "--seccomp. needs an argument" $K --seccomp
J="--uid 4242 --gid 4242"
expect_error "--jail without --uid" "--jail needs --uid and --gid" $K --jail "$T/a-directory"
expect_error "--uid without --jail" "need --jail DIR" $K --uid 4242 --gid 4242
expect_error "--jail --uid 0" "--uid: 0 is root" $K --jail "$T/a-directory" --uid 0 --gid 1
expect_error "--jail user name" "--uid: 'nobody' is not a number" $K --jail "$T/a-directory" \
	--uid nobody --gid 1
expect_error "--jail-mem under --mem" "--jail-mem 64 MiB must exceed --mem 128 MiB" $K --mem 128M \
	--jail "$T/a-directory" $J --jail-mem 64M
expect_error "--jail-cpus 0" "--jail-cpus: must be more than 0" $K --jail "$T/a-directory" $J \
	--jail-cpus 0
expect_error "missing --jail directory" "--jail $T/no-such-dir: No such file" $K \
	--jail "$T/no-such-dir" $J
expect_error "--jail on a file" "--jail $T/empty is not a directory" $K --jail "$T/empty" $J
expect_error "--jail /" "--jail / is the host's root" $K --jail / $J

# The KVM this host offers. What --check-host must say, from the state of
# /dev/kvm (absent, denied, ok), /proc/cpuinfo and /sys/module (independent of
# minivmm's own CPUID reading): a vendor module whose extension the CPU has
# owns /dev/kvm; else kvm_pvm does when loaded.
dev_state() {
	if [ ! -e /dev/kvm ]; then
		echo absent
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		echo ok
	else
		echo denied
	fi
}

expected_kind() {
	if [ "$1" = absent ]; then
		echo none
	elif [ "$1" = denied ]; then
		echo no-access
	elif { grep -qw vmx /proc/cpuinfo && [ -d /sys/module/kvm_intel ]; } ||
		{ grep -qw svm /proc/cpuinfo && [ -d /sys/module/kvm_amd ]; }; then
		echo hardware
	elif [ -d /sys/module/kvm_pvm ]; then
		echo emulated
	elif grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo hardware
	else
		echo unknown
	fi
}

# timed CMD...: run it with stdin closed; status in $st, milliseconds in $ms,
# stdout in $T/out, stderr in $T/err.
timed() {
	t0=$(date +%s%N)
	"$@" </dev/null >"$T/out" 2>"$T/err"
	st=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
}

# check_host NAME WANT_KIND [WRAPPER...]: --check-host prints one line
# "KIND: reason" on stdout, nothing on stderr, and exits 0 exactly for
# hardware. Leaves the reason in $reason.
check_host() {
	name=$1 want=$2
	shift 2
	timed "$@" "$MINIVMM" --check-host
	want_st=1
	[ "$want" = hardware ] && want_st=0
	reason=$(sed -n "s/^$want: //p" "$T/out")
	if [ "$st" = "$want_st" ] && [ "$(wc -l <"$T/out" | tr -d ' ')" = 1 ] &&
		[ ! -s "$T/err" ] && echo "$reason" | grep -q /dev/kvm; then
		pass "--check-host $name (status $st): $(cat "$T/out")"
	else
		fail "--check-host $name" "status $st (want $want_st, kind $want): $(cat "$T/out" "$T/err")"
	fi
}

# refuses NAME MESSAGE [WRAPPER...]: a valid run exits 1 within 2 s with one
# line, "minivmm: error: MESSAGE", which names /dev/kvm and the way out.
refuses() {
	name=$1 message=$2
	shift 2
	timed "$@" "$MINIVMM" $K --initrd "$INITRD"
	if [ "$st" = 1 ] && [ "$ms" -lt 2000 ] && [ "$(wc -l <"$T/err" | tr -d ' ')" = 1 ] &&
		[ "$(cat "$T/err")" = "minivmm: error: $message" ] &&
		grep -q '^minivmm: error: .*/dev/kvm.*tools/kvmbox' "$T/err"; then
		pass "$name: refused in $ms ms: $(cat "$T/err")"
	else
		fail "$name" "status $st after $ms ms, stderr: $(cat "$T/err")"
	fi
}

# private_dev WHAT CMD...: run CMD in a private mount namespace whose /dev is
# a copy of the host's without kvm (WHAT=no-kvm) or with /dev/null standing in
# for it (WHAT=stand-in: it opens read-write like a working KVM). The host's
# /dev is untouched.
private_dev() {
	mkdir -p "$T/dev"
	unshare -m sh -c '
		d=$1 what=$2
		shift 2
		mount -t tmpfs -o mode=755 none "$d" || exit 99
		for n in null zero full random urandom tty ptmx; do
			[ -e "/dev/$n" ] && cp -a "/dev/$n" "$d/"
		done
		mkdir "$d/pts" "$d/net"
		mount --bind /dev/pts "$d/pts"
		ln -s /proc/self/fd "$d/fd"
		[ -e /dev/net/tun ] && cp -a /dev/net/tun "$d/net/"
		if [ "$what" = stand-in ]; then
			mknod -m 666 "$d/kvm" c 1 3 || exit 99
		fi
		mount --bind "$d" /dev || exit 99
		exec "$@"
	' sh "$T/dev" "$@"
}

kind=$(expected_kind "$(dev_state)")
check_host "on this host" "$kind"
if [ "$kind" = hardware ]; then
	echo "cli-errors: this host's KVM is hardware: a run here boots, so there is no refusal to test"
else
	refuses "a run on this host (--check-host: $kind)" "$reason"
fi

if private_dev no-kvm true 2>/dev/null; then
	# Hidden /dev/kvm: the old message, whatever the CPU.
	check_host "with /dev/kvm hidden" none private_dev no-kvm
	refuses "a run with /dev/kvm hidden" "$reason" private_dev no-kvm
	grep -qF "minivmm: error: $HOST_KVM_NO_DEV_MSG" "$T/err" ||
		fail "the old no-/dev/kvm wording" "$(cat "$T/err")"
else
	echo "cli-errors: cannot make a private /dev here (unshare -m needs root): skipped"
fi

# A /dev/kvm that opens: what this CPU and these modules make of it. On this
# project's machines (kvm_pvm, no VT-x/AMD-V) the emulated refusal, which
# --allow-emulated-kvm lets past (to the stand-in's own failure).
if private_dev stand-in true 2>/dev/null; then
	kind=$(expected_kind ok)
	check_host "with a stand-in /dev/kvm" "$kind" private_dev stand-in
	if [ "$kind" != hardware ]; then
		refuses "a run with a stand-in /dev/kvm ($kind)" "$reason" private_dev stand-in
		timed private_dev stand-in "$MINIVMM" $K --initrd "$INITRD" --allow-emulated-kvm
		if [ "$st" = 1 ] && grep -q '^minivmm: error: /dev/kvm speaks API version' "$T/err"; then
			pass "--allow-emulated-kvm goes past the host check: $(cat "$T/err")"
		else
			fail "--allow-emulated-kvm" "status $st, stderr: $(cat "$T/err")"
		fi
	fi
else
	echo "cli-errors: cannot make a stand-in /dev/kvm here (needs root): skipped"
fi

echo "cli-errors: $PASSED passed, $FAILED failed"
rm -rf "$T"
[ "$FAILED" = 0 ]
