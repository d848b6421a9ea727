#!/bin/sh
# Install the Debian packages minivmm needs, once, on a fresh machine.
# Quiet and fast when everything is already there.
set -eu
PKGS="gcc make clang libclang-rt-14-dev libcmocka-dev libfdt-dev uuid-dev
qemu-system-x86 qemu-system-data seabios ipxe-qemu busybox-static cpio kmod
e2fsprogs iproute2 python3 procps"
# `make bench` also compares minictr with Debian's crun.
[ "${1:-}" = --bench ] && PKGS="$PKGS crun"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

# tools/kvmbox needs QEMU 10 or later: under Debian 12's QEMU 7.2 the box's own
# kernel crashed (a stack overflow in a nested vCPU thread) or locked up while
# it ran nested guests (docs/kvmbox.md). Debian 13 ships 10.0; on Debian 12 it
# comes from bookworm-backports.
QEMU_MIN_MAJOR=10
qemu_major() {
	qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p'
}
[ -r /etc/os-release ] && . /etc/os-release
old_qemu=0
[ "$(qemu_major)" -ge $QEMU_MIN_MAJOR ] 2>/dev/null || old_qemu=1

[ -z "$missing" ] && [ $old_qemu = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "minivmm: error: missing Debian packages:$missing$([ $old_qemu = 1 ] && echo " (and QEMU $QEMU_MIN_MAJOR or later)") (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
backports=
if [ $old_qemu = 1 ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
	backports=bookworm-backports
	grep -rqs "^[^#]*$backports" /etc/apt/sources.list /etc/apt/sources.list.d/ ||
		echo "deb http://deb.debian.org/debian $backports main" \
			> /etc/apt/sources.list.d/minivmm-$backports.list
fi
echo "deps: installing$missing${backports:+ and QEMU from $backports}"
apt-get update -qq
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ -n "$backports" ]; then
	apt-get install -y -qq --no-install-recommends -t $backports \
		qemu-system-x86 qemu-system-data seabios >/dev/null
fi
[ "$(qemu_major)" -ge $QEMU_MIN_MAJOR ] 2>/dev/null ||
	echo "deps: warning: $(qemu-system-x86_64 --version | head -n 1): tools/kvmbox wants QEMU $QEMU_MIN_MAJOR or later (docs/kvmbox.md)" >&2
