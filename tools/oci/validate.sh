# The OCI runtime validation suite (tools/oci/build-validation.sh) against
# one runtime: every validation/*.t in $OCI_VALIDATION (which also holds
# runtimetest and rootfs-amd64.tar.gz: the tests read them from their working
# directory, and the runtime from $RUNTIME). Sourced by tools/oci/box-run.sh
# with VRT (the runtime's path), VRTNAME, T, OCI_VALIDATION,
# OCI_VALIDATION_BUDGET (seconds for the whole run; tests not started by
# then are "not run"), OCI_VALIDATION_TESTS (names, default all).
# One line per test:  validation VRTNAME TEST: pass|fail|skip|not run (ok/not ok/skip counts, seconds)
# and the same as "result VRTNAME TEST STATUS OK NOTOK SKIP SECONDS" lines in
# $T/validation-VRTNAME.results.
V=$T/validation-$VRTNAME
mkdir -p "$V"
results=$T/validation-$VRTNAME.results
: >"$results"
tests=${OCI_VALIDATION_TESTS:-$(grep -v '^#' tools/oci/validation-tests.txt)}
[ "$tests" = all ] && tests=$(cd "$OCI_VALIDATION" && ls *.t | sed 's/\.t$//')
start=$(date +%s)
vp=0 vf=0 vs=0 vn=0
for t in $tests; do
	now=$(date +%s)
	if [ $((now - start)) -ge "${OCI_VALIDATION_BUDGET:-240}" ]; then
		echo "validation $VRTNAME $t: not run (time budget ${OCI_VALIDATION_BUDGET:-240} s spent)"
		echo "result $VRTNAME $t notrun 0 0 0 0" >>"$results"
		vn=$((vn + 1))
		continue
	fi
	(cd "$OCI_VALIDATION" && RUNTIME=$VRT timeout -s KILL 60 "./$t.t") >"$V/$t.tap" 2>"$V/$t.err"
	rc=$?
	secs=$(($(date +%s) - now))
	# TAP: ok / not ok / ok ... # SKIP; the plan 1..N.
	set -- $(awk '
		/^ok [0-9]+/ { if ($0 ~ /# [Ss][Kk][Ii][Pp]/) s++; else o++ }
		/^not ok [0-9]+/ { f++ }
		/^1\.\.[0-9]+/ { split($0, a, "\\.\\."); plan = a[2] + 0; hasplan = 1 }
		/^  *"error":/ { e++ }
		END { printf "%d %d %d %d %d %d\n", o, f, s, plan, hasplan, e }' "$V/$t.tap")
	ok=$1 notok=$2 skip=$3 plan=$4 hasplan=$5 errors=$6
	if [ "$rc" = 137 ]; then
		status=fail why="killed after 60 s"
	elif [ "$notok" -gt 0 ]; then
		status=fail why=""
	elif [ "$rc" != 0 ]; then
		status=fail why="exit status $rc"
	elif [ "$errors" -gt 0 ] && [ $((ok + skip)) = 0 ]; then
		# The lifecycle tests (hooks, prestart, ...) report a failure as a
		# YAML "error" under the plan 1..0, with no test line.
		status=fail why="an error in its TAP"
	elif [ "$hasplan" = 1 ] && [ "$plan" = 0 ] && [ $((ok + skip)) = 0 ]; then
		status=pass why="(1..0: the lifecycle ran without an error)"
	elif [ "$hasplan" = 0 ] || [ "$plan" != $((ok + skip)) ]; then
		status=fail why="incomplete TAP ($((ok + skip)) results, plan $plan)"
	elif [ "$ok" = 0 ]; then
		status=skip why=""
	else
		status=pass why=""
	fi
	echo "validation $VRTNAME $t: $status ($ok ok, $notok not ok, $skip skip, $secs s)${why:+: $why}"
	echo "result $VRTNAME $t $status $ok $notok $skip $secs" >>"$results"
	case $status in
	pass) vp=$((vp + 1)) ;;
	skip) vs=$((vs + 1)) ;;
	fail)
		vf=$((vf + 1))
		grep -v '^ok' "$V/$t.tap" | grep -v '^TAP version' | head -n 8 | cut -c1-200 | sed 's/^/     | /'
		[ -s "$V/$t.err" ] && tail -n 5 "$V/$t.err" | sed 's/^/     | stderr: /'
		;;
	esac
done
echo "validation $VRTNAME: $vp passed, $vf failed, $vs skipped, $vn not run ($(($(date +%s) - start)) s)"
