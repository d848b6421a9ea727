# Where guests run: directly on this host's KVM, or inside tools/kvmbox.
# shellcheck shell=sh disable=SC2034 # HOST_KVM_* are for the caller
# Sourced (POSIX sh, busybox too) by tools/demo.sh, tests/integration/run.sh,
# tools/lab and tools/bench/run.sh, from the repository root, after they have
# built minivmm: `minivmm --check-host` is the one judge, so a /dev/kvm that
# exists but would emulate a stock kernel (kvm_pvm) sends the work to kvmbox
# like a missing one does.

# host_kvm_decide WHO: set HOST_KVM_RUN to direct or kvmbox, HOST_KVM_SAID to
# the one line saying which and why, and print that line. Returns 1 when
# minivmm has not been built (the caller should have built it first).
host_kvm_decide() {
	_hk_minivmm=${HOST_KVM_MINIVMM:-build/minivmm}
	if [ ! -x "$_hk_minivmm" ]; then
		echo "$1: error: $_hk_minivmm is missing: build it first (make all)" >&2
		return 1
	fi
	# The if keeps a caller's `set -e` from ending it on a status of 1.
	if _hk_line=$("$_hk_minivmm" --check-host 2>&1); then
		HOST_KVM_RUN=direct
		HOST_KVM_SAID="$1: running directly on this host's KVM ($_hk_line)"
	else
		HOST_KVM_RUN=kvmbox
		: "${_hk_line:=$_hk_minivmm --check-host said nothing}"
		HOST_KVM_SAID="$1: running inside tools/kvmbox ($_hk_line)"
	fi
	echo "$HOST_KVM_SAID"
}
