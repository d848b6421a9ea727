#!/bin/bash
# build-debian.sh [--rebuild] [OUTDIR] — a real Debian 12 (bookworm) for minivmm, booted
# from a disk (`make image`). Writes to OUTDIR (default build/image):
#   debian.img     raw ext4 file system over the whole disk (no partition table), so the
#                  guest mounts root=/dev/vda; sparse, a little over what it holds
#   vmlinuz        Debian's own kernel (linux-image-amd64, installed in the image)
#   initrd.img     its initramfs-tools initrd, with virtio_pci, virtio_blk, virtio_net and
#                  ext4 in it, so root=/dev/vda mounts
#   manifest.txt   what was built, from what, when
# Boot it with tools/image/demo-debian.sh (`make demo-debian`).
#
# A TEACHING IMAGE, NOT FOR ANY NETWORK: root has no password (`passwd -d root`), and
# the serial console ttyS0 logs root in by itself (an autologin drop-in for
# serial-getty@ttyS0). Hostname minivmm-debian.
#
# What is in it: debootstrap --variant=minbase, then, without recommends, the packages
# in PACKAGES and linux-image-amd64 from the suites the host's apt sources name
# (SUITE, SUITE-updates, SUITE-security). Timers and services that wait for a network
# or do slow work at boot are masked (MASK), so boot reaches multi-user.target quickly
# under emulation. The journal persists (/var/log/journal), so a clean shutdown can be
# checked afterwards on the host (`debugfs -R 'rdump /var/log/journal DIR' debian.img`,
# then `journalctl -D DIR`, or a loop mount). Documentation, manual pages and
# translations are left out (dpkg path-exclude), and so are apt's package lists.
#
# Cached twice, by KEY (a hash of this script, SUITE and the package lists):
#   - OUTDIR/.key: a second run with the same KEY does nothing
#   - /var/cache/minivmm/image/KEY/: a fresh clone on the same machine (CI) copies the
#     image from there (a second) instead of building it (a minute or two, from the
#     mirror). The directory only saves time: delete it (or any KEY in it) whenever you
#     like; a build also removes other keys' images that nobody used for 14 days.
# The mirror's packages can change under the same KEY (a new kernel); --rebuild builds
# anew, ignoring both caches, and refreshes the machine's cache.
#
# Needs root (debootstrap, chroot, mounts) when it has to build; debootstrap comes with
# `tools/deps.sh --image`. The work tree lives in OUTDIR/.work.PID while it builds; its
# mounts are undone and it is removed on every exit.
set -euo pipefail

SUITE=bookworm
# The stock kernel comes last, once its initramfs-tools configuration is in place.
PACKAGES="systemd systemd-sysv udev dbus iproute2 kmod e2fsprogs initramfs-tools"
KERNEL_PACKAGE=linux-image-amd64
# Modules the initrd loads, and its shape: only what mounting root=/dev/vda needs.
INITRD_MODULES="virtio_pci virtio_blk virtio_net crc32c_generic ext4"
# Units that would wait for a network, or do slow work at the first boot (timers with
# Persistent=true run at once when they missed their time).
MASK="systemd-networkd-wait-online.service systemd-timesyncd.service apt-daily.timer
apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service
fstrim.timer"
HOSTNAME=minivmm-debian
CACHE_ROOT=/var/cache/minivmm/image
# Bounds on the slow steps (seconds).
DEBOOTSTRAP_LIMIT=1800 APT_LIMIT=1200 LOCK_LIMIT=3600

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "minivmm: error: $*" >&2; exit 1; }
step() { echo "image: $*"; }

REBUILD=0
[ "${1:-}" = --rebuild ] && { REBUILD=1; shift; }
[ $# -le 1 ] || die "usage: $0 [--rebuild] [OUTDIR]"
OUT=${1:-$REPO/build/image}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
FILES="debian.img vmlinuz initrd.img manifest.txt"

KEY=$({
	cat "${BASH_SOURCE[0]}"
	printf 'suite=%s\npackages=%s %s\n' "$SUITE" "$PACKAGES" "$KERNEL_PACKAGE"
} | sha256sum | cut -c1-16)
CACHE=$CACHE_ROOT/$KEY

complete() { # DIR: all files there
	local f
	for f in $FILES; do [ -f "$1/$f" ] || return 1; done
}

# Copy the image files from DIR into OUT (sparse), each under a temporary name first
# so an interrupted copy never looks complete.
install_from() { # DIR
	local f
	rm -f "$OUT/.key"
	for f in $FILES; do
		cp --sparse=always "$1/$f" "$OUT/.$f.tmp"
		mv "$OUT/.$f.tmp" "$OUT/$f"
	done
	echo "$KEY" > "$OUT/.key"
}

if [ $REBUILD = 0 ]; then
	if [ "$(cat "$OUT/.key" 2>/dev/null)" = "$KEY" ] && complete "$OUT"; then
		step "$OUT/debian.img is up to date (key $KEY)"
		exit 0
	fi
	if complete "$CACHE"; then
		step "copying the cached image from $CACHE (delete that directory to build anew)"
		install_from "$CACHE"
		touch "$CACHE" 2>/dev/null || true # in use: see the pruning below
		step "done: $OUT/debian.img, $OUT/vmlinuz, $OUT/initrd.img"
		exit 0
	fi
fi

[ "$(id -u)" = 0 ] ||
	die "building the Debian image needs root (debootstrap, chroot, mounts): run 'make image' as root"
for t in debootstrap mke2fs chroot timeout flock sha256sum apt-get; do
	command -v "$t" >/dev/null || die "$t is missing (tools/deps.sh --image installs it)"
done

# One build at a time on this machine: a second one waits (bounded), then finds the
# first one's result in the cache. Without a writable cache, lock OUTDIR instead.
if mkdir -p "$CACHE_ROOT" 2>/dev/null && [ -w "$CACHE_ROOT" ]; then
	LOCK=$CACHE_ROOT/.lock
else
	echo "image: warning: cannot write $CACHE_ROOT: no cached image for other clones" >&2
	CACHE='' LOCK=$OUT/.lock
fi
exec 9> "$LOCK"
if ! flock -n 9; then
	step "waiting for another image build to finish (lock $LOCK, at most $LOCK_LIMIT s)"
	flock -w $LOCK_LIMIT 9 || die "another image build still holds $LOCK after $LOCK_LIMIT s"
	if [ $REBUILD = 0 ] && [ -n "$CACHE" ] && complete "$CACHE"; then
		step "copying the image the other build cached in $CACHE"
		install_from "$CACHE"
		exit 0
	fi
fi

WORK=$OUT/.work.$$
ROOT=$WORK/root
LOG=$OUT/build.log
: > "$LOG"
T0=$(date +%s)

# Mount points under ROOT, deepest first (debootstrap's own, too, after a failure).
mounts_under_root() {
	awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}
unmount_all() {
	local m
	for m in $(mounts_under_root); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			echo "image: warning: cannot unmount $m" >&2
	done
}
# The step still running when the script is stopped: timeout passes SIGTERM on to
# it; SIGKILL when it has not ended 20 s later.
stop_step() {
	local n=0
	{ [ -n "$STEP_PID" ] && kill -0 "$STEP_PID" 2>/dev/null; } || return 0
	echo "image: stopping the running step (pid $STEP_PID)" >&2
	kill -TERM "$STEP_PID" 2>/dev/null
	while kill -0 "$STEP_PID" 2>/dev/null && [ $n -lt 20 ]; do sleep 1; n=$((n + 1)); done
	kill -KILL "$STEP_PID" 2>/dev/null || true
	wait "$STEP_PID" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	stop_step
	unmount_all
	# --one-file-system: never follow a mount that would not go away into the host.
	if [ -z "$(mounts_under_root)" ]; then
		rm -rf --one-file-system "$WORK"
	else
		echo "image: warning: left $WORK in place: something is still mounted under it" >&2
	fi
	rm -f "$OUT"/.*.tmp
	[ $rc = 0 ] || echo "minivmm: error: the image build failed (status $rc); its full log: $LOG" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_bounded SECONDS WHAT COMMAND...: COMMAND's output to the log; on failure or
# timeout, say what we were waiting for and show the log's tail. In the background,
# so that a signal to this script runs its traps at once (cleanup stops the step).
STEP_PID=
run_bounded() {
	local limit=$1 what=$2 rc=0
	shift 2
	timeout -k 10 "$limit" "$@" >> "$LOG" 2>&1 &
	STEP_PID=$!
	wait $STEP_PID || rc=$?
	STEP_PID=
	[ $rc = 0 ] && return 0
	tail -n 15 "$LOG" | sed 's/^/  | /' >&2
	[ $rc = 124 ] || [ $rc = 137 ] && die "gave up after $limit s waiting for $what"
	die "$what failed (status $rc)"
}

# A command in the chroot, with a clean environment ("${IN_ROOT[@]}" COMMAND...): an
# array, so that timeout can run it. in_root COMMAND...: the same, output to the log.
IN_ROOT=(chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C
	DEBIAN_FRONTEND=noninteractive)
in_root() {
	"${IN_ROOT[@]}" "$@" >> "$LOG" 2>&1 || die "in the image's chroot, '$*' failed (log: $LOG)"
}

APT_OPTS=(-y -q -o APT::Install-Recommends=false -o Dpkg::Options::=--force-confold
	-o Dpkg::Use-Pty=false -o Acquire::Retries=3 -o Acquire::http::Timeout=60)

# The mirror of a suite, as the host's apt sources name it ("" when they do not).
site_of() { # SUITE
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	apt-get indextargets --format '$(RELEASE) $(SITE)' 2>/dev/null |
		awk -v s="$1" '$1 == s { print $2; exit }'
}

bootstrap() {
	step "debootstrap $SUITE (minbase) from $MIRROR into $ROOT (log: $LOG)"
	mkdir -p "$ROOT"
	run_bounded $DEBOOTSTRAP_LIMIT \
		"debootstrap to download and unpack the $SUITE base system from $MIRROR" \
		debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR"
}

# apt and dpkg in the tree: sources, what to leave out, build-only settings.
prepare_apt() {
	local s site
	step "apt sources: $SUITE, -updates and -security as the host has them; no docs, man pages or translations"
	for s in $SUITE $SUITE-updates $SUITE-security; do
		site=$(site_of "$s")
		[ "$s" = $SUITE ] && site=$MIRROR
		[ -z "$site" ] || echo "deb $site $s main"
	done > "$ROOT/etc/apt/sources.list"
	cat > "$ROOT/etc/dpkg/dpkg.cfg.d/minivmm-small" <<-'EOF'
	# minivmm teaching image: keep it small (licences stay).
	path-exclude=/usr/share/doc/*
	path-include=/usr/share/doc/*/copyright
	path-exclude=/usr/share/man/*
	path-exclude=/usr/share/info/*
	path-exclude=/usr/share/locale/*
	EOF
	# The same for what debootstrap has already unpacked.
	find "$ROOT/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
	rm -rf "$ROOT"/usr/share/{man,info,locale}/*
	# Only while building: no fsync per file (the image is written once, at the end),
	# no services started in the chroot, the host's resolver for apt.
	echo force-unsafe-io > "$ROOT/etc/dpkg/dpkg.cfg.d/minivmm-build"
	printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
	chmod 755 "$ROOT/usr/sbin/policy-rc.d"
	cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
}

mount_chroot() {
	step "mounting proc, sysfs and devpts in the chroot for the package scripts"
	mount -t proc proc "$ROOT/proc"
	mount -t sysfs sysfs "$ROOT/sys"
	mkdir -p "$ROOT/dev/pts"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
}

apt_in_root() { # WHAT ARGS...: apt-get ARGS in the chroot, bounded
	local what=$1
	shift
	run_bounded $APT_LIMIT "$what" "${IN_ROOT[@]}" apt-get "${APT_OPTS[@]}" "$@"
}

install_packages() {
	step "apt-get update ($SUITE, -updates, -security)"
	apt_in_root "apt-get update in the chroot to fetch the package lists" update
	step "installing $PACKAGES (no recommends)"
	# shellcheck disable=SC2086 # a word list
	apt_in_root "apt-get install of $PACKAGES" install $PACKAGES
}

configure_system() {
	step "configuring: hostname $HOSTNAME, fstab (/dev/vda as / ext4 rw), root without password, autologin on ttyS0"
	echo $HOSTNAME > "$ROOT/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
		$HOSTNAME > "$ROOT/etc/hosts"
	printf '# minivmm: the whole disk is the root file system (no partition table).\n%s\n' \
		'/dev/vda	/	ext4	rw,errors=remount-ro	0 1' > "$ROOT/etc/fstab"
	in_root passwd -d root
	mkdir -p "$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d"
	cat > "$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<-'EOF'
	# minivmm teaching image: root is logged in on the serial console without a password.
	[Service]
	ExecStart=
	ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,57600,38400,9600 - $TERM
	EOF
	# No bracketed paste in root's shell: its escape codes clutter a serial console's log.
	# shellcheck disable=SC2016 # readline's $include
	printf '%s\n' '$include /etc/inputrc' 'set enable-bracketed-paste off' > "$ROOT/root/.inputrc"
	# A machine ID now: without one, the first boot counts as a first boot (presets
	# applied again, first-boot units run). Every copy of the image shares it: fine
	# for throwaway teaching VMs.
	in_root systemd-machine-id-setup
}

configure_boot() {
	step "journal on disk (/var/log/journal, Storage=persistent); default target multi-user"
	mkdir -p "$ROOT/etc/systemd/journald.conf.d" "$ROOT/var/log/journal"
	printf '[Journal]\nStorage=persistent\n' > "$ROOT/etc/systemd/journald.conf.d/minivmm.conf"
	in_root systemd-tmpfiles --create --prefix /var/log/journal
	# No display: systemd-analyze then reports when multi-user.target is reached.
	in_root systemctl set-default multi-user.target
	step "masking units that wait for a network or do slow work at boot: ${MASK//$'\n'/ }"
	# shellcheck disable=SC2086 # a word list
	in_root systemctl mask $MASK
}

install_kernel() {
	local listing m
	step "initramfs-tools: MODULES=list with $INITRD_MODULES"
	# shellcheck disable=SC2086 # one a line
	printf '%s\n' $INITRD_MODULES >> "$ROOT/etc/initramfs-tools/modules"
	cat > "$ROOT/etc/initramfs-tools/conf.d/minivmm.conf" <<-'EOF'
	# minivmm: a small initrd with just the modules in ../modules (virtio disk and NIC,
	# ext4); MODULES=dep would guess from the build host instead of the VM.
	MODULES=list
	COMPRESS=gzip
	RESUME=none
	# The root file system's type for the fsck hook (the chroot has no /dev/vda to probe).
	FSTYPE=ext4
	EOF
	step "installing Debian's kernel ($KERNEL_PACKAGE) and building its initrd"
	apt_in_root "apt-get install of $KERNEL_PACKAGE (and update-initramfs)" install $KERNEL_PACKAGE
	KVER=$(ls "$ROOT/lib/modules")
	if [ "$(echo "$KVER" | wc -l)" != 1 ] || [ ! -f "$ROOT/boot/vmlinuz-$KVER" ] ||
		[ ! -f "$ROOT/boot/initrd.img-$KVER" ]; then
		die "expected one kernel with its initrd in the image's /boot, found: $(echo "$ROOT"/boot/*)"
	fi
	listing=$("${IN_ROOT[@]}" lsinitramfs "/boot/initrd.img-$KVER")
	for m in $INITRD_MODULES; do
		grep -q "/${m//_/[-_]}\.ko" <<< "$listing" || die "the initrd has no $m module"
	done
	grep -q 'fsck\.ext4$' <<< "$listing" || die "the initrd has no fsck.ext4"
}

finish_tree() {
	step "cleaning up: apt caches and lists, build-only settings"
	in_root apt-get clean
	PACKAGE_COUNT=$("${IN_ROOT[@]}" dpkg-query -W -f '.\n' | wc -l)
	rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT/usr/sbin/policy-rc.d" \
		"$ROOT/etc/dpkg/dpkg.cfg.d/minivmm-build"
	: > "$ROOT/etc/resolv.conf"
	unmount_all
	[ -z "$(mounts_under_root)" ] || die "cannot unmount the chroot's file systems under $ROOT"
}

# The file system: what the tree holds, plus a quarter and 512 MiB for the guest to
# write to, in 256 MiB steps. mke2fs -d fills it without a loop mount.
make_filesystem() {
	local used
	used=$(du -sm --apparent-size "$ROOT" | cut -f1)
	SIZE_MIB=$(( (used * 5 / 4 + 512 + 255) / 256 * 256 ))
	step "ext4 image of $SIZE_MIB MiB from the tree ($used MiB), label minivmm-root"
	truncate -s "${SIZE_MIB}M" "$WORK/debian.img"
	run_bounded 600 "mke2fs to write the file system" \
		mke2fs -q -F -t ext4 -L minivmm-root -d "$ROOT" "$WORK/debian.img"
	run_bounded 600 "e2fsck to check the new file system" e2fsck -fn "$WORK/debian.img"
	cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
	cp "$ROOT/boot/initrd.img-$KVER" "$WORK/initrd.img"
	{
		echo "minivmm Debian image, key $KEY (tools/image/build-debian.sh)"
		echo "built:    $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - T0 )) s"
		echo "suite:    $SUITE from $MIRROR"
		echo "kernel:   $KVER"
		echo "size:     $SIZE_MIB MiB file system, $(du -m "$WORK/debian.img" | cut -f1) MiB allocated"
		echo "packages: $PACKAGE_COUNT installed"
		echo "login:    root on ttyS0 without a password (a teaching image)"
	} > "$WORK/manifest.txt"
}

save_in_cache() {
	local f
	[ -n "$CACHE" ] || return 0
	step "caching it in $CACHE (safe to delete: the next build fills it again)"
	rm -rf "$CACHE" "$CACHE.tmp"
	mkdir -p "$CACHE.tmp"
	for f in $FILES; do cp --sparse=always "$WORK/$f" "$CACHE.tmp/$f"; done
	mv "$CACHE.tmp" "$CACHE"
	# Images of other keys (older versions of this script) nobody copied for 14 days.
	find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name "$KEY" -mtime +14 -exec rm -rf {} +
}

MIRROR=$(site_of $SUITE)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
bootstrap
prepare_apt
mount_chroot
install_packages
configure_system
configure_boot
install_kernel
finish_tree
make_filesystem
save_in_cache
install_from "$WORK"
step "done in $(( $(date +%s) - T0 )) s: $OUT/debian.img ($SIZE_MIB MiB, kernel $KVER), $OUT/vmlinuz, $OUT/initrd.img"
