#!/bin/sh
# fetch-kernel.sh DESTDIR — unpack Debian's stock kernel (linux-image-amd64) into DESTDIR
# without installing it, and print its version (e.g. 6.1.0-56-amd64) on stdout.
#
# The metapackage linux-image-amd64 is resolved to the real package
# (linux-image-<version>-amd64), which is `apt-get download`ed into build/cache/ and
# extracted with `dpkg-deb -x`. The .deb ships no modules.dep, so depmod is run on the
# result. A stamp file makes a second call instant. Used by guest/build-guest.sh
# (guest kernel) and tools/kvmbox (outer kernel): both use the same kernel.
#
# Afterwards: DESTDIR/boot/vmlinuz-VERSION (bzImage), DESTDIR/boot/vmlinux-VERSION (its
# uncompressed ELF payload, PVH bootable), DESTDIR/boot/config-VERSION,
# DESTDIR/lib/modules/VERSION/ (with modules.dep), DESTDIR/version (the version string).
set -eu

die() { echo "fetch-kernel: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 DESTDIR"
DEST=$1
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$REPO/build/cache

# The bzImage's payload as an ELF vmlinux: QEMU boots it through its PVH entry
# without the (slow under TCG) in-guest xz decompression.
extract_vmlinux() { # DIR VERSION
	[ -f "$1/boot/vmlinux-$2" ] && return 0
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1/boot/vmlinuz-$2" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || die "no xz payload in $1/boot/vmlinuz-$2"
	tail -c +$((off + 1)) "$1/boot/vmlinuz-$2" | xz -dc --single-stream > "$1/boot/vmlinux-$2.tmp.$$" ||
		die "cannot decompress the vmlinux in $1/boot/vmlinuz-$2"
	[ "$(head -c 4 "$1/boot/vmlinux-$2.tmp.$$" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
		die "the payload of $1/boot/vmlinuz-$2 is not an ELF vmlinux"
	mv "$1/boot/vmlinux-$2.tmp.$$" "$1/boot/vmlinux-$2"
}

# Fast path: already unpacked (the stamp names the package it came from).
if [ -f "$DEST/.stamp" ] && [ -f "$DEST/version" ]; then
	ver=$(cat "$DEST/version")
	if [ -f "$DEST/boot/vmlinuz-$ver" ] && [ -f "$DEST/lib/modules/$ver/modules.dep" ]; then
		extract_vmlinux "$DEST" "$ver"
		echo "$ver"
		exit 0
	fi
fi

resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
	# Fresh machine: the package lists may not have been fetched yet.
	[ "$(id -u)" = 0 ] || die "apt-cache knows no linux-image-amd64 (run apt-get update as root)"
	apt-get update -qq >&2 || die "apt-get update failed"
	pkg=$(resolve)
	[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 to a kernel package"
fi
ver=${pkg#linux-image-}

mkdir -p "$CACHE"
deb=$(ls "$CACHE/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	# apt-get download writes into the current directory; the _apt sandbox user
	# may not be able to write there, so download as root without the sandbox.
	(cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
		die "apt-get download $pkg failed"
	deb=$(ls "$CACHE/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
	[ -n "$deb" ] || die "apt-get download $pkg produced no .deb in $CACHE"
fi

tmp="$DEST.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
[ -f "$tmp/boot/vmlinuz-$ver" ] || die "$deb has no boot/vmlinuz-$ver"
depmod -b "$tmp" "$ver" || die "depmod failed for $ver"
extract_vmlinux "$tmp" "$ver"
echo "$ver" > "$tmp/version"
basename "$deb" > "$tmp/.stamp"
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$tmp" "$DEST"
trap - EXIT
echo "$ver"
