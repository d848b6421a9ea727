#!/bin/sh
# `make demo`: boot the stock Debian kernel in minivmm and show what the
# guest sees; `make shell` (--shell): an interactive guest shell.
# Runs on this host's KVM when `minivmm --check-host` says a stock kernel
# runs there at hardware speed, else in a tools/kvmbox machine.
set -eu
cd "$(dirname "$0")/.."

mode=demo
[ "${1:-}" = --shell ] && mode=shell
. guest/cmdline.sh
set -- build/minivmm --kernel build/guest/vmlinux --initrd build/guest/initramfs.cpio.gz \
	--cpus 2 --mem 512M --boot-time
if [ "$mode" = demo ]; then
	set -- "$@" --append "$GUEST_CMDLINE minivmm.test=demo"
else
	set -- "$@" --append "$GUEST_CMDLINE_BASE"
fi

. tools/host-kvm.sh
host_kvm_decide demo || exit 1
if [ "$HOST_KVM_RUN" = direct ]; then
	echo "demo: $*"
	exec "$@"
fi
echo "demo: (a throwaway machine under QEMU software emulation: expect a boot of ~10 s, not well under one)"
if [ "$mode" = shell ]; then
	exec tools/kvmbox --interactive -- "$@"
fi
exec tools/kvmbox -- "$@"
