#!/bin/sh
# The guest integration suite: sources every tests/integration/NN-*.sh in
# order (one shell, shared counters), prints a summary, fails if any failed.
# ONLY=pattern runs just the matching files, EXCEPT=pattern skips the matching ones.
set -u
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
export T
. tests/integration/lib.sh

[ -x "$MINIVMM" ] || { echo "suite: $MINIVMM is missing (run make)"; exit 1; }
[ -f "$KERNEL" ] && [ -f "$INITRD" ] || { echo "suite: guest missing (run make guest)"; exit 1; }

for f in tests/integration/[0-9][0-9]-*.sh; do
	[ -f "$f" ] || continue
	echo "# ${f##*/}"
	if [ -n "${ONLY:-}" ] && ! echo "$f" | grep -q "$ONLY"; then
		continue
	fi
	if [ -n "${EXCEPT:-}" ] && echo "$f" | grep -q "$EXCEPT"; then
		continue
	fi
	failed_before_file=$FAILED
	. "$f"
	[ "$FAILED" = "$failed_before_file" ] || FAILED_FILES="${FAILED_FILES:-} ${f##*/}"
done

# run.sh reads this line to run those files again in a fresh kvmbox.
[ -n "${FAILED_FILES:-}" ] && echo "integration: files with failures:$FAILED_FILES"
echo "integration: $PASSED passed, $FAILED failed${FAILED_NAMES:+ (}${FAILED_NAMES# }${FAILED_NAMES:+)}"
rm -rf "$T"
[ "$FAILED" = 0 ]
