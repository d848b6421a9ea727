#!/bin/sh
# Run each cmocka unit-test binary; fail if any fails, after running all.
failed=0
for t in "$@"; do
	if "$t" >"$t.log" 2>&1; then
		printf 'unit: %-40s ok\n' "${t##*/}"
	else
		printf 'unit: %-40s FAILED\n' "${t##*/}"
		cat "$t.log"
		failed=1
	fi
done
exit $failed
