#!/bin/sh
# smoke — the guest booted: print what it sees. Checked by the integration tests.
set -u
echo "smoke: uname: $(uname -a)"
echo "smoke: nproc: $(nproc)"
echo "smoke: $(grep MemTotal /proc/meminfo)"
echo "smoke: cmdline: $(cat /proc/cmdline)"
echo "smoke: modules: $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d" ] || continue
	echo "smoke: virtio $(basename "$d") device=$(cat "$d/device") driver=$(basename "$(readlink "$d/driver" 2>/dev/null || echo none)")"
done
echo "smoke: ok"
