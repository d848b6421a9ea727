#!/bin/sh
# Container start, minictr vs crun, same rootfs (build/guest/rootfs), same
# machine, runs interleaved; prints a markdown section. Called by
# tools/bench/run.sh; on its own it re-runs itself in tools/kvmbox when this
# host's cgroups are not pure v2 (crun refuses hybrid hosts).
#  - minictr start to exec: its own --boot-time timer (process start to just
#    before execve of COMMAND).
#  - start to exit: the whole run of /bin/true (vmmstat, fork to exit), the only
#    span crun can be timed over: create, start, wait, delete.
#  - minictr is timed with its defaults (user namespace included) and with
#    --no-user, which matches crun's default spec (pid, net, ipc, uts, mount,
#    cgroup namespaces, no user namespace); and as an OCI runtime (minictr
#    run) over crun's own bundle and config.json.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
RUNS=${RUNS:-20}
ROOTFS=build/guest/rootfs

if [ "${BENCH_CTR_IN_BOX:-0}" != 1 ] && ! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	crun=$(command -v crun 2>/dev/null || true)
	echo "bench ctr: cgroups here are not pure v2: running inside tools/kvmbox" >&2
	# shellcheck disable=SC2086
	exec tools/kvmbox --timeout 1500 ${crun:+--add $crun} -- env BENCH_CTR_IN_BOX=1 RUNS="$RUNS" sh tools/bench/ctr.sh
fi
for f in build/minictr "$VMMSTAT" "$ROOTFS/bin/true"; do
	[ -e "$f" ] || { echo "bench ctr: $f missing (make all guest)" >&2; exit 1; }
done
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT

have_crun=no
if command -v crun >/dev/null 2>&1; then
	mkdir -p "$R/bundle"
	cp -a "$ROOTFS" "$R/bundle/rootfs"
	if (cd "$R/bundle" && crun spec) 2>/dev/null; then
		sed -i -e 's/"terminal": true/"terminal": false/' \
			-e '/"args": \[/,/\]/c\		"args": [ "/bin/true" ],' "$R/bundle/config.json"
		# An initramfs root (as in kvmbox) cannot be pivoted away: crun --no-pivot.
		CRUN_OPTS=
		crun run --bundle "$R/bundle" bench-warm >/dev/null 2>&1 ||
			CRUN_OPTS=--no-pivot
		crun run $CRUN_OPTS --bundle "$R/bundle" bench-warm2 >/dev/null 2>&1 && have_crun=yes
	fi
fi
# Warm-up: the first minictr run builds its id-shifted image cache.
build/minictr --rootfs "$ROOTFS" -- /bin/true
build/minictr --no-user --rootfs "$ROOTFS" -- /bin/true

ctr() { # FILE-PREFIX minictr-options...
	p=$1
	shift
	"$VMMSTAT" -v -- build/minictr --boot-time "$@" --rootfs "$ROOTFS" -- /bin/true >"$R/res" 2>"$R/err"
	sed -n 's/.*minictr: boot-time-ms=\([0-9.]*\).*/\1/p' "$R/err" >>"$R/$p-exec"
	field exit_ms <"$R/res" >>"$R/$p-exit"
}

i=1
while [ "$i" -le "$RUNS" ]; do
	[ $((i % 5)) = 1 ] && echo "bench ctr: run $i/$RUNS" >&2
	ctr minictr
	ctr nouser --no-user
	if [ $have_crun = yes ]; then
		# shellcheck disable=SC2086
		"$VMMSTAT" -- crun run $CRUN_OPTS --bundle "$R/bundle" "bench-$$-$i" >"$R/res" 2>/dev/null
		[ "$(field status <"$R/res")" = 0 ] && field exit_ms <"$R/res" >>"$R/crun-exit"
		# minictr as an OCI runtime over the same bundle and config.json.
		"$VMMSTAT" -- build/minictr --root "$R/state" run --bundle "$R/bundle" "bench-$$-$i" >"$R/res" 2>/dev/null
		[ "$(field status <"$R/res")" = 0 ] && field exit_ms <"$R/res" >>"$R/oci-exit"
	fi
	i=$((i + 1))
done

row() { # LABEL FILE
	set -- "$1" $(stats <"$R/$2" 2>/dev/null || echo n/a n/a n/a)
	[ "$2" = n/a ] && { echo "| $1 | n/a |"; return; }
	echo "| $1 | $2 ($3-$4) |"
}
echo
echo "## Container start: minictr vs crun ($RUNS runs each, interleaved, same rootfs)"
echo
echo "$(uname -r), $(nproc) CPUs; crun: $([ $have_crun = yes ] && echo "$(crun --version | head -n 1) $CRUN_OPTS" || echo 'not available')"
echo
echo "| measurement | ms, median (p10-p90) |"
echo "|---|---|"
row "minictr start to exec of /bin/true" minictr-exec
row "minictr --no-user start to exec" nouser-exec
row "minictr run of /bin/true, start to exit" minictr-exit
row "minictr --no-user run, start to exit" nouser-exit
row "crun run of /bin/true, start to exit" crun-exit
row "minictr run (OCI, crun's bundle and config.json), start to exit" oci-exit
if [ $have_crun = yes ]; then
	set -- $(stats <"$R/nouser-exit") $(stats <"$R/crun-exit")
	echo
	echo "minictr --no-user / crun, start to exit (medians): $(awk -v a="$1" -v b="$4" 'BEGIN { printf "%.2f", a / b }')"
	set -- $(stats <"$R/oci-exit" 2>/dev/null || echo 0 0 0) $(stats <"$R/crun-exit")
	echo "minictr run / crun run, same OCI bundle (medians): $(awk -v a="$1" -v b="$4" 'BEGIN { printf "%.2f", a / b }')"
fi
echo
echo "raw minictr exec ms: $(tr '\n' ' ' <"$R/minictr-exec")"
echo "raw crun exit ms: $(tr '\n' ' ' <"$R/crun-exit" 2>/dev/null)"
