#!/bin/sh
# `make bench`: every benchmark, minivmm side by side with its peer in the same
# machine: directly on /dev/kvm when this host has it, else in one kvmbox run.
# The results land in build/bench/results.md (docs/benchmarks.md quotes them).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tools/bench/lib.sh
mkdir -p build/bench
out=build/bench/results.md

inner='for b in boot blk net ctr; do [ -f tools/bench/$b.sh ] && sh tools/bench/$b.sh; done'
{
	echo "# minivmm benchmark run, $(date -u '+%Y-%m-%d %H:%M UTC')"
	if [ -c /dev/kvm ] && [ -r /dev/kvm ]; then
		echo "host: $(uname -r), $(nproc) CPUs, /dev/kvm"
		sh -c "$inner"
	else
		echo "host: no /dev/kvm; run inside tools/kvmbox (QEMU TCG, nested SVM), so absolute times are ~100x a real host: compare the ratios"
		# shellcheck disable=SC2046
		# crun (when installed) is the container peer of tools/bench/ctr.sh.
		tools/kvmbox --timeout 3000 $(qemu_kvmbox_args) \
			$(command -v crun >/dev/null && echo "--add $(command -v crun)") -- sh -c "$inner"
	fi
} | tee "$out"
echo "bench: results in $out"
