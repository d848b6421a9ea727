#!/bin/sh
# `make bench`: every benchmark, minivmm side by side with its peer in the same
# machine: directly on this host's KVM when `minivmm --check-host` says a stock
# kernel runs there at hardware speed, else in one kvmbox run. `make bench`
# builds minivmm first.
# The results land in build/bench/results.md (docs/benchmarks.md quotes them).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
. tools/host-kvm.sh
mkdir -p build/bench
out=build/bench/results.md
# Its line goes to the results (through tee below), not twice to the terminal.
host_kvm_decide bench >/dev/null || exit 1

inner='for b in boot bootcpus blk net ctr restore; do [ -f tools/bench/$b.sh ] && sh tools/bench/$b.sh; done'
{
	echo "# minivmm benchmark run, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "$HOST_KVM_SAID"
	if [ "$HOST_KVM_RUN" = direct ]; then
		echo "host: $(uname -r), $(nproc) CPUs"
		sh -c "$inner"
	else
		echo "host: tools/kvmbox (QEMU TCG, nested SVM), so absolute times are ~100x a real host: compare the ratios"
		# shellcheck disable=SC2046
		# crun (when installed) is the container peer of tools/bench/ctr.sh.
		tools/kvmbox --timeout 3000 $(qemu_kvmbox_args) \
			$(command -v crun >/dev/null && echo "--add $(command -v crun)") -- sh -c "$inner"
	fi
} | tee "$out"
echo "bench: results in $out"
