#!/bin/sh
# The OCI runtime checks with real clients, in a tools/kvmbox of their own
# (cgroup v2, overlay; the host may be cgroup v1): the runtime alone (runc's
# command line), podman, containerd's runc v2 shim (ctr), and the OCI runtime
# validation suite against the runtime and against crun, compared
# (tools/oci/, docs/oci.md).
#   OCI_RUNTIME=PATH   the runtime under test (default build/minictr)
#   OCI_PARTS=...      runtime podman containerd validation (default all)
#   OCI_VALIDATION_BUDGET=SEC  per runtime, for the validation suite (default 150)
# Needs tools/deps.sh --oci. The box's output is kept in build/cache/oci/last-run.log.
# A box that died (kvmbox says "the box ...") is run once more.
set -u
cd "$(dirname "$0")/../.." || exit 1
RT=${OCI_RUNTIME:-build/minictr}
LOG=build/cache/oci/last-run.log
say() { echo "oci: $*"; }

for t in podman conmon containerd ctr containerd-shim-runc-v2 crun go; do
	command -v "$t" >/dev/null || { say "error: no $t (run tools/deps.sh --oci as root)"; exit 1; }
done
tools/oci/rootfs.sh >/dev/null || { say "error: tools/oci/rootfs.sh failed"; exit 1; }
tools/oci/build-validation.sh >/dev/null || { say "error: tools/oci/build-validation.sh failed"; exit 1; }
adds=$(tools/oci/box-files.sh) || exit 1

# The runtime goes to /oci/bin/NAME in the box (kvmbox brings its libraries);
# a missing one is reported inside the box like any failed check.
name=${RT##*/}
rt_add=""
[ -e "$RT" ] && rt_add="--add $RT:/oci/bin/$name"

in_box() {
	# shellcheck disable=SC2086 # $adds and $rt_add: words without blanks
	tools/kvmbox --timeout "${OCI_BOX_TIMEOUT:-900}" --mem 6G $adds $rt_add -- \
		env OCI_RUNTIME="/oci/bin/$name" OCI_REFERENCE=/usr/bin/crun \
		OCI_PARTS="${OCI_PARTS:-runtime podman containerd validation}" \
		OCI_VALIDATION_BUDGET="${OCI_VALIDATION_BUDGET:-150}" \
		${OCI_VALIDATION_TESTS:+OCI_VALIDATION_TESTS="$OCI_VALIDATION_TESTS"} \
		sh tools/oci/box-run.sh 2>&1 | tee "$LOG"
	tail -n 1 "$LOG" | grep -q '^oci: [0-9]* passed, 0 failed$'
}
start=$(date +%s)
say "runtime under test: $RT; reference: crun; one kvmbox"
in_box && { say "box time $(($(date +%s) - start)) s"; exit 0; }
if grep -q '^kvmbox: error: the box' "$LOG"; then
	say "the box died (above): once more in a fresh box"
	in_box && { say "passed in the fresh box; box time $(($(date +%s) - start)) s"; exit 0; }
fi
say "FAILED (box time $(($(date +%s) - start)) s; the box's output: $LOG)"
exit 1
