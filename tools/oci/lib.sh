# Helpers for the OCI checks that run inside tools/kvmbox (POSIX sh, busybox):
# sourced by tools/oci/box-run.sh and the *-smoke.sh / validate.sh it sources.
# Counters: OCI_PASSED, OCI_FAILED, OCI_FAILED_NAMES.
OCI_PASSED=${OCI_PASSED:-0}
OCI_FAILED=${OCI_FAILED:-0}
OCI_FAILED_NAMES=${OCI_FAILED_NAMES:-}

oci_pass() {
	OCI_PASSED=$((OCI_PASSED + 1))
	echo "ok   - $1"
}

oci_fail() { # NAME WHY
	OCI_FAILED=$((OCI_FAILED + 1))
	OCI_FAILED_NAMES="$OCI_FAILED_NAMES $1"
	echo "FAIL - $1: $2"
}

# oci_tail FILE: its last lines, indented (what a failed step printed).
oci_tail() {
	[ -s "$1" ] && tail -n "${2:-15}" "$1" | sed 's/^/     | /'
	return 0
}

# oci_cmd NAME CMD...: a command NAME in $T/bin (put on PATH) that runs
# CMD with its own arguments after CMD's (timeout cannot run shell functions).
oci_cmd() {
	name=$1
	shift
	mkdir -p "$T/bin"
	{
		printf '#!/bin/sh\nexec'
		for w in "$@"; do
			printf " '%s'" "$(printf '%s' "$w" | sed "s/'/'\\\\''/g")"
		done
		printf ' "$@"\n'
	} >"$T/bin/$name"
	chmod +x "$T/bin/$name"
	case :$PATH: in *":$T/bin:"*) ;; *) PATH=$T/bin:$PATH ;; esac
}

# oci_run SECONDS LOG CMD...: CMD with its output in LOG, killed after
# SECONDS; $OCI_RC is its status (124: timed out, said on stderr as "timed out").
oci_run() {
	secs=$1 log=$2
	shift 2
	timeout -s KILL "$secs" "$@" >"$log" 2>&1
	OCI_RC=$?
	# timeout -s KILL: 137 from busybox and coreutils alike.
	if [ "$OCI_RC" = 137 ] || [ "$OCI_RC" = 124 ]; then
		echo "(timed out after $secs s: $*)" >>"$log"
		OCI_RC=124
	fi
	return "$OCI_RC"
}

# oci_check NAME SECONDS WANT_RC WANT_OUTPUT CMD...: pass when CMD exits WANT_RC
# (- for any) and its output contains the line WANT_OUTPUT (- for none); the
# output is in $OCI_LOG ($T/NAME.log).
oci_check() {
	name=$1 secs=$2 want_rc=$3 want=$4
	shift 4
	OCI_LOG=$T/$(echo "$name" | tr -c 'A-Za-z0-9_.\n-' _).log
	oci_run "$secs" "$OCI_LOG" "$@"
	if [ "$OCI_RC" = 124 ]; then
		oci_fail "$name" "no answer in $secs s from: $*"
	elif [ "$want_rc" != - ] && [ "$OCI_RC" != "$want_rc" ]; then
		oci_fail "$name" "exit status $OCI_RC, want $want_rc, from: $*"
	elif [ "$want" != - ] && ! tr -d '\r' <"$OCI_LOG" | grep -qxF -- "$want"; then
		oci_fail "$name" "no line '$want' in the output of: $*"
	else
		oci_pass "$name"
		return 0
	fi
	oci_tail "$OCI_LOG"
	return 1
}

# oci_wait SECONDS WHAT CMD...: until CMD succeeds, at most SECONDS; on
# timeout says what it waited for and returns 1.
oci_wait() {
	secs=$1 what=$2
	shift 2
	n=0
	while ! "$@" >/dev/null 2>&1; do
		if [ $n -ge "$secs" ]; then
			echo "     | gave up after $secs s waiting for $what"
			return 1
		fi
		sleep 1
		n=$((n + 1))
	done
	return 0
}
