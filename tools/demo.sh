#!/bin/sh
# `make demo`: boot the stock Debian kernel in minivmm and show what the
# guest sees; `make shell` (--shell): an interactive guest shell.
# Uses /dev/kvm when this host has it, else a tools/kvmbox machine.
set -eu
cd "$(dirname "$0")/.."

mode=demo
[ "${1:-}" = --shell ] && mode=shell
. guest/cmdline.sh
set -- build/minivmm --kernel build/guest/bzImage --initrd build/guest/initramfs.cpio.gz \
	--cpus 2 --mem 512M --boot-time
if [ "$mode" = demo ]; then
	set -- "$@" --append "$GUEST_CMDLINE minivmm.test=demo"
else
	set -- "$@" --append "$GUEST_CMDLINE_BASE"
fi

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "demo: booting on this host's /dev/kvm: $*"
	exec "$@"
fi
echo "demo: this host has no /dev/kvm: running minivmm inside tools/kvmbox"
echo "demo: (a throwaway machine under QEMU software emulation: expect a boot of ~10 s, not well under one)"
if [ "$mode" = shell ]; then
	exec tools/kvmbox --interactive -- "$@"
fi
exec tools/kvmbox -- "$@"
