#!/bin/sh
# --kernel given an ELF vmlinux (PVH boot): a bad one gets one clear line
# and exit 2 before /dev/kvm is opened, as a bad bzImage does
# (cli-errors.sh), so these run on any host. The corrupted variants are made
# from the real guest vmlinux.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
[ -x "$MINIVMM" ] && [ -f "$VMLINUX" ] || { echo "cli-errors-pvh: build first (make all guest)"; exit 1; }

# set_bytes FILE OFFSET OCTAL...: overwrite bytes in place.
set_bytes() {
	f=$1 at=$2
	shift 2
	for b in "$@"; do
		printf "\\$b" | dd of="$f" bs=1 seek="$at" conv=notrunc 2>/dev/null
		at=$((at + 1))
	done
}

# The header checks come before any segment: 4 KiB of the file do for them.
head -c 40 "$VMLINUX" >"$T/pvh-truncated"
head -c 4096 "$VMLINUX" >"$T/pvh-32bit"
set_bytes "$T/pvh-32bit" 4 001                 # EI_CLASS: ELFCLASS32
head -c 4096 "$VMLINUX" >"$T/pvh-aarch64"
set_bytes "$T/pvh-aarch64" 18 267 000          # e_machine 183: EM_AARCH64
head -c 4096 "$VMLINUX" >"$T/pvh-dyn"
set_bytes "$T/pvh-dyn" 16 003 000              # e_type: ET_DYN
# Without its note: the kernel's PT_NOTE program header becomes PT_NULL.
cp "$VMLINUX" "$T/pvh-no-note"
phoff=$(od -An -tu8 -j 32 -N 8 "$VMLINUX" | tr -d ' ')
phnum=$(od -An -tu2 -j 56 -N 2 "$VMLINUX" | tr -d ' ')
i=0
while [ "$i" -lt "$phnum" ]; do
	at=$((phoff + i * 56))
	[ "$(od -An -tu4 -j "$at" -N 4 "$VMLINUX" | tr -d ' ')" = 4 ] && set_bytes "$T/pvh-no-note" "$at" 000
	i=$((i + 1))
done
head -c $((40 << 20)) /dev/zero >"$T/pvh-big-initrd"

# rejects NAME PATTERN ARGS...: exit 2, one stderr line "minivmm: error: ..."
# matching PATTERN (extended regex).
rejects() {
	name=$1 pattern=$2
	shift 2
	"$MINIVMM" "$@" </dev/null >/dev/null 2>"$T/pvh-err"
	st=$?
	msg=$(cat "$T/pvh-err")
	if [ "$st" != 2 ]; then
		fail "rejects $name" "status $st, stderr: $msg"
	elif [ "$(wc -l <"$T/pvh-err" | tr -d ' ')" != 1 ] ||
		! printf '%s\n' "$msg" | grep -Eq -e "^minivmm: error: .*$pattern"; then
		fail "rejects $name" "stderr: $msg"
	else
		pass "rejects $name: $msg"
	fi
}

rejects "truncated vmlinux" "kernel $T/pvh-truncated: truncated ELF header" \
	--kernel "$T/pvh-truncated"
rejects "32-bit ELF" "kernel $T/pvh-32bit: ELF class 1 is not ELFCLASS64" --kernel "$T/pvh-32bit"
rejects "ELF for another machine" "kernel $T/pvh-aarch64: ELF machine 183 is not x86-64" \
	--kernel "$T/pvh-aarch64"
rejects "ELF that is not an executable" "ET_EXEC" --kernel "$T/pvh-dyn"
rejects "vmlinux without the PVH note" \
	"kernel $T/pvh-no-note: no PVH entry note \(XEN_ELFNOTE_PHYS32_ENTRY\): build the kernel with CONFIG_PVH" \
	--kernel "$T/pvh-no-note"
# The checks the bzImage gets, against the vmlinux's own extent (it ends
# at 74 MiB).
rejects "--mem too small for the vmlinux" "--mem 64 MiB is too small for kernel .*needs 74 MiB" \
	--kernel "$VMLINUX" --mem 64M
rejects "initrd too large for --mem with a vmlinux" "initrd $T/pvh-big-initrd: initrd of .* does not fit" \
	--kernel "$VMLINUX" --initrd "$T/pvh-big-initrd" --mem 96M
rejects "command line too long for a vmlinux" "--append: command line of 70000 bytes" \
	--kernel "$VMLINUX" --append "$(head -c 70000 /dev/zero | tr '\0' x)"

# Without /dev/kvm a good vmlinux gets past every input check to the KVM
# error (status 1), so the rejections above are the vmlinux's own.
if [ ! -e /dev/kvm ]; then
	"$MINIVMM" --kernel "$VMLINUX" --initrd "$INITRD" --mem 128M </dev/null >/dev/null 2>"$T/pvh-err"
	st=$?
	if [ "$st" = 1 ] && grep -q '^minivmm: error: .*/dev/kvm' "$T/pvh-err"; then
		pass "a good vmlinux passes the input checks (then: $(cat "$T/pvh-err"))"
	else
		fail "good vmlinux" "status $st, stderr: $(cat "$T/pvh-err")"
	fi
fi

echo "cli-errors-pvh: $PASSED passed, $FAILED failed"
rm -rf "$T"
[ "$FAILED" = 0 ]
