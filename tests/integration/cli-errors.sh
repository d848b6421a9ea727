#!/bin/sh
# Bad input gets one clear line and a non-zero exit, before /dev/kvm is
# opened (so these run on any host). Uses the real guest kernel to make
# corrupted variants of it.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
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

# With everything valid but no KVM on this host, the error names the way out.
if [ ! -e /dev/kvm ]; then
	"$MINIVMM" $K --initrd "$INITRD" </dev/null >/dev/null 2>"$T/err"
	st=$?
	if [ "$st" = 1 ] && grep -q '^minivmm: error: .*/dev/kvm.*tools/kvmbox' "$T/err"; then
		pass "no /dev/kvm: $(cat "$T/err")"
	else
		fail "no /dev/kvm" "status $st, stderr: $(cat "$T/err")"
	fi
fi

echo "cli-errors: $PASSED passed, $FAILED failed"
rm -rf "$T"
[ "$FAILED" = 0 ]
