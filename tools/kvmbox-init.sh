#!/bin/sh
# /init of the kvmbox outer machine (busybox sh as PID 1). tools/kvmbox puts it in
# the cached base archive; the per-run payload adds /kvmbox/nonce, /kvmbox/cmd (sets
# "$@" to the command, KVMBOX_INTERACTIVE and KVMBOX_DRIVES, the number of --drive
# disks) and /src (the repo copy).
#
# Console protocol with the host (the nonce keeps command output from forging it):
#   KVMBOX-<nonce>-START <uptime>   the command starts now; everything before is boot noise
#   KVMBOX-<nonce>-EXIT <status>    the command's exit status
#   KVMBOX-<nonce>-FAIL <message>   the box could not run the command
# all on ttyS0. The kernel's console is ttyS1 (a file on the host), where
# /kvmbox/heartbeat (tools/kvmbox-heartbeat.sh) writes every 5 s for kvmbox's watchdog.
/bin/busybox --install -s
export PATH=/src/build:/sbin:/usr/sbin:/bin:/usr/bin
export HOME=/root TERM=dumb
NONCE=$(cat /kvmbox/nonce)

fail() {
	echo "KVMBOX-$NONCE-FAIL $*"
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The archive has no /dev/console node, so the kernel gave us no fds 0-2. The
# command's channel is ttyS0; /dev/console is the kernel log's ttyS1.
exec < /dev/ttyS0 > /dev/ttyS0 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
# /tmp and /run stay on the initramfs root (a tmpfs already), so --add can put files there.
chmod 1777 /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
# Heartbeat and spin reports on ttyS1 for kvmbox's watchdog (kvmbox-heartbeat.sh),
# as early as possible, in its own session so the command's signals miss it.
setsid sh /kvmbox/heartbeat < /dev/null > /dev/null 2>&1 &
# A pure cgroup2 hierarchy with every controller delegated to the root's children.
mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "cannot mount cgroup2"
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || fail "cannot enable cgroup controller $c"
done
hostname kvmbox
ip link set lo up

# Load order computed on the host from modules.dep (dependencies first).
load_modules() { # FILE: module paths, one a line
	while read -r mod; do
		insmod "/lib/modules/$(uname -r)/$mod" 2>/tmp/insmod.err ||
			grep -q 'File exists' /tmp/insmod.err ||
			echo "kvmbox: insmod $mod: $(cat /tmp/insmod.err)"
	done < "$1"
}
load_modules /kvmbox/modules

[ -c /dev/kvm ] || fail "no /dev/kvm inside the box (kvm_amd did not load: is SVM exposed by -cpu max?)"

. /kvmbox/cmd
# --drive disks: their virtio drivers, then /dev/vda, /dev/vdb, ... in option order.
# The nodes appear as the drivers probe; wait a bounded while for each.
[ "${KVMBOX_DRIVES:-0}" -gt 0 ] && load_modules /kvmbox/drive-modules
i=0
while [ "$i" -lt "${KVMBOX_DRIVES:-0}" ]; do
	dev=/dev/vd$(echo abcdefghijklmnop | cut -c$((i + 1)))
	n=0
	while [ ! -b "$dev" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	[ -b "$dev" ] || fail "--drive number $((i + 1)) did not appear as $dev within 10 s"
	i=$((i + 1))
done
cd /src || fail "no /src in the box"
if [ "${KVMBOX_INTERACTIVE:-0}" = 1 ]; then
	# The command owns the console as its controlling terminal; its status
	# leaves through QEMU's isa-debug-exit on port 0xf4.
	export TERM=linux
	setsid -c "$@" < /dev/ttyS0 > /dev/ttyS0 2>&1
	status=$?
	sync
	printf "\\$(printf '%o' $((status & 255)))" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
fi
echo "KVMBOX-$NONCE-START $(cut -d' ' -f1 /proc/uptime)"
"$@" < /dev/null > /dev/ttyS0 2>&1
status=$?
sync
# The leading newline ends any unterminated last line of the command's output.
echo
echo "KVMBOX-$NONCE-EXIT $status"
poweroff -f
