#!/bin/sh
# build-guest.sh OUTDIR — build the guest minivmm boots (called by `make guest`).
#
# Produces:
#   OUTDIR/bzImage            Debian's stock kernel (tools/fetch-kernel.sh)
#   OUTDIR/vmlinux            the same kernel as an uncompressed ELF (boots through PVH)
#   OUTDIR/rootfs/            the guest userland as a directory: static busybox and its
#                             applet links, /init (guest/init.c), minimal /etc, /tests/*.sh
#                             (from tests/guest/). Also minictr's container image, so it
#                             holds no kernel modules.
#   OUTDIR/initramfs.cpio.gz  rootfs plus /lib/modules/VERSION/ with just the modules
#                             the guest needs (virtio, ext4, ...) and a modules.dep for them
#   OUTDIR/kernel-version     the kernel version string
# Idempotent: every run rebuilds the outputs from scratch in a few seconds.
# Environment: CC (gcc), GUEST_CFLAGS (extra compiler flags, e.g. the Makefile's warnings).
set -eu

die() { echo "build-guest: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
OUT=$1
REPO=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-gcc}
GUEST_CFLAGS=${GUEST_CFLAGS:--Wall -Wextra -Werror}
# Modules the guest loads; their modules.dep dependencies come along. crc32c_generic
# leads: ext4 needs a crc32c implementation at mount time without depending on one.
MODULES="crc32c_generic virtio_pci virtio_blk virtio_net virtio_console virtio-rng ext4
evdev button pvpanic-mmio"

KDIR=$REPO/build/kernel
VER=$("$REPO/tools/fetch-kernel.sh" "$KDIR") || die "cannot fetch the kernel"
MODDIR=$KDIR/lib/modules/$VER
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list-full >/dev/null 2>&1 ||
	die "$BUSYBOX missing (apt-get install busybox-static)"
command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# Private work directory: two builds at once (two make runs) must not collide.
WORK=$(mktemp -d "$OUT/.work.XXXXXX") || die "mktemp in $OUT failed"
trap 'rm -rf "$WORK"' EXIT

# --- init ---
# shellcheck disable=SC2086
"$CC" -static -Os -s -std=gnu11 -D_GNU_SOURCE $GUEST_CFLAGS -o "$WORK/init" \
	"$REPO/guest/init.c" || die "compiling guest/init.c failed"

# --- rootfs ---
ROOT=$WORK/rootfs
mkdir -p "$ROOT"
(cd "$ROOT" && mkdir -p bin sbin usr/bin usr/sbin etc root tests proc sys dev tmp run mnt var/tmp)
chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"
chmod 0700 "$ROOT/root"
cp "$BUSYBOX" "$ROOT/bin/busybox"
# The host-side equivalent of `busybox --install -s`.
for applet in $("$BUSYBOX" --list-full); do
	[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$ROOT/$applet"
done
cp "$WORK/init" "$ROOT/init"
echo "minivmm-guest" > "$ROOT/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" > "$ROOT/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' > "$ROOT/etc/group"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tminivmm-guest\n' > "$ROOT/etc/hosts"
cat > "$ROOT/etc/profile" <<'PROFILE'
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PS1='minivmm# '
PROFILE
for t in "$REPO"/tests/guest/*.sh; do
	[ -f "$t" ] && cp "$t" "$ROOT/tests/"
done
chmod 0755 "$ROOT"/tests/*.sh 2>/dev/null || true
# Guest-side tools (tests/guest/NAME.c -> /bin/NAME), e.g. blkbench.
for c in "$REPO"/tests/guest/*.c; do
	[ -f "$c" ] || continue
	b=$(basename "$c" .c)
	# shellcheck disable=SC2086
	"$CC" -static -Os -s -std=gnu11 -D_GNU_SOURCE $GUEST_CFLAGS -o "$ROOT/bin/$b" "$c" ||
		die "compiling $c failed"
done

# --- module subset: the wanted modules and their modules.dep closure ---
dep_line() { # the modules.dep line of module $1 (dashes and underscores are equal)
	n=$(echo "$1" | tr - _)
	awk -v n="$n" -F: '{ b = $1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b);
		gsub(/-/, "_", b); if (b == n) { print; exit } }' "$MODDIR/modules.dep"
}
IRD=$WORK/initramfs
cp -a "$ROOT" "$IRD"
# The kernel opens /dev/console for init before devtmpfs is mounted (needs root;
# without it init opens the console itself once /dev is mounted).
mknod -m 600 "$IRD/dev/console" c 5 1 2>/dev/null || true
IMOD=$IRD/lib/modules/$VER
mkdir -p "$IMOD"
: > "$IMOD/modules.order"
for m in $MODULES; do
	line=$(dep_line "$m")
	[ -n "$line" ] || die "module $m not in $MODDIR/modules.dep"
	path=${line%%:*}
	# modules.dep lists the whole closure; dependencies first in modules.order.
	for p in ${line#*:} $path; do
		grep -qx "$p" "$IMOD/modules.order" && continue
		case $p in *.ko) ;; *) die "compressed module $p: not supported" ;; esac
		mkdir -p "$IMOD/$(dirname "$p")"
		cp "$MODDIR/$p" "$IMOD/$p"
		echo "$p" >> "$IMOD/modules.order"
	done
done
cp "$MODDIR/modules.builtin" "$MODDIR/modules.builtin.modinfo" "$IMOD/"
# depmod writes modules.dep in modules.order's order; init loads in that order.
depmod -b "$IRD" "$VER" || die "depmod on the module subset failed"
[ "$(head -n 1 "$IMOD/modules.dep" | cut -d: -f1)" = "$(head -n 1 "$IMOD/modules.order")" ] ||
	die "depmod did not keep modules.order's order"

(cd "$IRD" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n > "$WORK/initramfs.cpio.gz"

# --- publish ---
cp "$KDIR/boot/vmlinuz-$VER" "$OUT/bzImage"
cp "$KDIR/boot/vmlinux-$VER" "$OUT/vmlinux"
rm -rf "$OUT/rootfs"
mv "$ROOT" "$OUT/rootfs"
mv "$WORK/initramfs.cpio.gz" "$OUT/initramfs.cpio.gz"
echo "$VER" > "$OUT/kernel-version"
echo "build-guest: $OUT/bzImage and vmlinux ($VER), initramfs $(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB," \
	"$(wc -l < "$IMOD/modules.order") modules"
