# minictr: isolation, throwaway writable layer, volumes, cgroup limits, no
# leaking mounts; and the lab runs end to end with numbers from both sides.
# Sourced by tests/integration/suite.sh inside tools/kvmbox, where a pure
# cgroup2 hierarchy with every controller is mounted.
CTR=${CTR:-build/minictr}
CTR_ROOTFS=${CTR_ROOTFS:-build/guest/rootfs}

# ctr_run NAME [minictr options] -- COMMAND...: output in $T/NAME.out, status in CTR_STATUS.
ctr_run() {
	n=$1
	shift
	timeout 60 "$CTR" --rootfs "$CTR_ROOTFS" "$@" >"$T/$n.out" 2>&1
	CTR_STATUS=$?
}

ctr_expect() { # NAME DESCRIPTION CONDITION-STATUS
	if [ "$3" = 0 ]; then pass "$2"; else fail "$2" "status $CTR_STATUS"; show_log "$T/$1.out"; fi
}

# --- hostname and PID 1 ---
host_name=$(hostname)
ctr_run uts --hostname ctr-test -- /bin/sh -c 'echo "HOST=$(hostname)"; echo "PID1=$(cat /proc/1/comm)"; echo "PROCS=$(ls -d /proc/[0-9]* | wc -l)"'
[ "$CTR_STATUS" = 0 ] && grep -qx HOST=ctr-test "$T/uts.out" && [ "$(hostname)" = "$host_name" ]
ctr_expect uts "--hostname is the container's own; the host keeps '$host_name'" $?
procs=$(sed -n 's/^PROCS=//p' "$T/uts.out")
host_procs=$(ls -d /proc/[0-9]* | wc -l)
# init, sh, and the shell's helpers for $(...): a handful, against the host's many.
grep -qx PID1=minictr-init "$T/uts.out" && [ -n "$procs" ] && [ "$procs" -le 6 ] && [ "$host_procs" -gt 10 ]
ctr_expect uts "PID 1 is the container's init; $procs processes visible inside, $host_procs on the host" $?
ctr_run pid1 --no-init -- /bin/sh -c 'echo "SELF=$$"'
grep -qx SELF=1 "$T/pid1.out"
ctr_expect pid1 "--no-init: COMMAND itself is PID 1" $?
ctr_run exit7 -- /bin/sh -c 'exit 7'
[ "$CTR_STATUS" = 7 ]
ctr_expect exit7 "COMMAND's exit status is minictr's (7)" $?

# On an initramfs root (kvmbox's) minictr can only chroot: CAP_SYS_CHROOT must go.
ctr_run chroot --verbose -- /bin/sh -c 'chroot / /bin/true && echo CHROOTED'
if [ "$(awk '$2 == "/" { print $3; exit }' /proc/mounts)" = rootfs ]; then
	grep -q 'chroot instead of pivot_root, CAP_SYS_CHROOT dropped' "$T/chroot.out" && ! grep -q CHROOTED "$T/chroot.out"
	ctr_expect chroot "initramfs root: the container's root is a chroot it cannot chroot out of" $?
else
	grep -q CHROOTED "$T/chroot.out"
	ctr_expect chroot "pivot_root: CAP_SYS_CHROOT kept, as in Docker's default set" $?
fi

# The default seccomp filter: no new namespaces (nor keys, bpf, mounts...) inside.
ctr_run seccomp -- /bin/sh -c 'grep "^Seccomp:" /proc/self/status; unshare -U true && echo UNSHARED'
ctr_run unconfined --seccomp=unconfined -- /bin/sh -c 'grep "^Seccomp:" /proc/self/status'
grep -q '^Seccomp:.2' "$T/seccomp.out" && ! grep -q UNSHARED "$T/seccomp.out" && grep -q '^Seccomp:.0' "$T/unconfined.out"
ctr_expect seccomp "a seccomp filter by default (unshare refused), none with --seccomp=unconfined" $?

# --- the writable layer vanishes, a volume persists, the image is untouched ---
vol=$T/ctr-vol
mkdir -p "$vol"
# Root in the container is host uid 100000: let it write the volume.
chown 100000:100000 "$vol"
find "$CTR_ROOTFS" | sort >"$T/image.before"
touch "$T/image.stamp"
sleep 1
ctr_run write -v "$vol:/data" -- /bin/sh -c 'echo gone >/etc/ctr-write && rm /bin/true && echo kept >/data/persist && echo WROTE'
grep -qx WROTE "$T/write.out"
ctr_expect write "the container can write to / and to its volume" $?
ctr_run reread -v "$vol:/data" -- /bin/sh -c 'cat /etc/ctr-write 2>/dev/null; ls /bin/true && cat /data/persist'
[ "$CTR_STATUS" = 0 ] && ! grep -q gone "$T/reread.out" && grep -qx kept "$T/reread.out"
ctr_expect reread "writes to / vanish after exit, the volume's persist" $?
[ "$(cat "$vol/persist" 2>/dev/null)" = kept ]
ctr_expect reread "the volume's file is on the host" $?
find "$CTR_ROOTFS" | sort >"$T/image.after"
cmp -s "$T/image.before" "$T/image.after" && [ -z "$(find "$CTR_ROOTFS" -newer "$T/image.stamp")" ]
ctr_expect write "the image directory is unchanged" $?
ctr_run ro -v "$vol:/data:ro" -- /bin/sh -c 'echo x >/data/nope'
[ "$CTR_STATUS" != 0 ] && [ ! -e "$vol/nope" ]
ctr_expect ro "a :ro volume refuses writes" $?

rov=$T/ro-vol
mkdir -p "$rov/sub" && mount -t tmpfs -o mode=1777 ro-sub "$rov/sub"
ctr_run rorec -v "$rov:/r:ro" -- /bin/sh -c 'echo x >/r/sub/nope || echo REFUSED'
[ ! -e "$rov/sub/nope" ] && grep -qx REFUSED "$T/rorec.out"
ctr_expect rorec "a :ro volume is read-only in its submounts too" $?
umount "$rov/sub"

# An image symlink aiming out of the root: a volume behind it stays inside.
img=$T/link-img
mkdir -p "$img"
cp -a "$CTR_ROOTFS/." "$img/"
ln -s ../../../../../../../../../../tmp "$img/vol"
esc=ctr-escape-$$
ctr_run escape --rootfs "$img" -v "$vol:/vol/$esc" -- /bin/sh -c "cat /tmp/$esc/persist"
[ "$CTR_STATUS" = 0 ] && grep -qx kept "$T/escape.out" && [ ! -e "/tmp/$esc" ]
ctr_expect escape "a volume target behind an image's ../../.. symlink is resolved inside the root" $?
rm -rf "$img"

# --- a tar archive as the image, unpacked into the cache once ---
(cd "$CTR_ROOTFS" && tar -cf "$T/image.tar" .)
ctr_run tar1 --rootfs "$T/image.tar" --verbose -- /bin/sh -c 'echo "TAR=$(cat /etc/hostname)"'
ctr_run tar2 --rootfs "$T/image.tar" --verbose -- /bin/sh -c 'echo "TAR=$(cat /etc/hostname)"'
grep -q '^TAR=.' "$T/tar1.out" && grep -q 'preparing image' "$T/tar1.out" &&
	grep -q '^TAR=.' "$T/tar2.out" && ! grep -q 'preparing image' "$T/tar2.out"
ctr_expect tar2 "--rootfs TARBALL: unpacked once, reused from the cache" $?

# --- an image cannot plant device nodes or a setuid-root file on the host ---
img=$T/evil-img
mkdir -p "$img"
cp -a "$CTR_ROOTFS/." "$img/"
mknod "$img/hostdisk" b 8 0
cp "$img/bin/busybox" "$img/suid-sh" && chmod 4755 "$img/suid-sh"
(cd "$img" && tar -cf "$T/evil.tar" .)
ctr_run evil --rootfs "$T/evil.tar" -- /bin/sh -c 'ls /hostdisk; grep " / " /proc/mounts'
cache=$(sed -n 's/^minictr: preparing image .* in \(.*\)\/[0-9a-f]* (.*/\1/p' "$T/tar1.out")
[ -n "$cache" ] && [ "$(stat -c %a "$cache")" = 700 ] &&
	[ -z "$(find "$cache" \( -type b -o -type c \))" ] &&
	grep -q '^overlay / overlay .*nosuid,nodev' "$T/evil.out"
ctr_expect evil "image cache $cache is 0700, holds no device node, the root is nosuid,nodev" $?
# uid 4294867296 + 100000 wraps to root: the setuid file would be setuid-root.
# (Some tar formats store a huge uid truncated: any id past the map must fail.)
chown 4294867296:0 "$img/suid-sh"
(cd "$img" && tar -cf "$T/wrap.tar" .)
ctr_run wrap --rootfs "$T/wrap.tar" -- /bin/true
[ "$CTR_STATUS" = 125 ] && grep -q 'suid-sh is owned by [0-9]*:0, outside the container' "$T/wrap.out" &&
	find "$cache" -perm -4000 -user 0 >"$T/wrap.suid" && [ ! -s "$T/wrap.suid" ]
ctr_expect wrap "an image uid outside the id map is refused, no setuid-root file in the cache" $?
# The directory image itself, through an idmapped mount or not: its node is useless.
ctr_run evildir --rootfs "$img" -- /bin/sh -c 'head -c 1 /hostdisk && echo READ'
! grep -q READ "$T/evildir.out"
ctr_expect evildir "a device node in an image directory cannot be opened" $?
rm -rf "$img"

# --- --no-user: host ids, yet no host device (no CAP_MKNOD, cgroup device filter) ---
ctr_run nodev --no-user -v /dev/kmsg:/kmsg -- /bin/sh -c \
	'mknod /tmp/disk b 8 0 && echo MKNOD; head -c 1 /kmsg >/dev/null && echo KMSG; echo x >/dev/null && echo NULL'
[ "$CTR_STATUS" = 0 ] && grep -qx NULL "$T/nodev.out" && ! grep -q MKNOD "$T/nodev.out" && ! grep -q KMSG "$T/nodev.out"
ctr_expect nodev "--no-user: mknod refused, a bound host device (/dev/kmsg) cannot be opened, /dev/null can" $?

# --- what the container gets: no stray descriptor, a bounded writable layer ---
ctr_run fds -- /bin/sh -c 'sleep 1 & ls /proc/$!/fd | tr "\n" " "; wait' 7</dev/null 9>"$T/fd9"
[ "$CTR_STATUS" = 0 ] && [ "$(cat "$T/fds.out")" = "0 1 2 " ]
ctr_expect fds "no descriptor above 2 reaches COMMAND (the caller's 7 and 9 stay out): $(cat "$T/fds.out")" $?
ctr_run tmpsize --tmp-size 4M -- /bin/sh -c 'dd if=/dev/zero of=/big bs=1M count=8 2>&1; echo "DD=$?"'
grep -q 'No space left on device' "$T/tmpsize.out" && grep -qx 'DD=1' "$T/tmpsize.out"
ctr_expect tmpsize "--tmp-size 4M bounds the writable layer" $?
# The tar rewritten in place, its size and mtime put back: a new cache entry.
cp -p "$T/image.tar" "$T/image.copy"
cat "$T/image.copy" >"$T/image.tar" && touch -r "$T/image.copy" "$T/image.tar"
ctr_run tar3 --rootfs "$T/image.tar" --verbose -- /bin/true
grep -q 'preparing image' "$T/tar3.out"
ctr_expect tar3 "a tar rewritten in place (same size and mtime) is unpacked again" $?

# --- cgroup v2 limits ---
oom0=$(dmesg | grep -c 'Memory cgroup out of memory')
ctr_run oom --mem 32M -- /bin/sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo SURVIVED'
oom1=$(dmesg | grep -c 'Memory cgroup out of memory')
[ "$CTR_STATUS" = 137 ] && ! grep -q SURVIVED "$T/oom.out" && [ "$oom1" -gt "$oom0" ]
ctr_expect oom "--mem 32M: a memory hog is OOM-killed inside its cgroup (status $CTR_STATUS)" $?

ctr_run cpu --cpus 0.5 --io-weight 200 -- /bin/sh -c 'cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/io.weight'
grep -qx '50000 100000' "$T/cpu.out" && grep -qx 'default 200' "$T/cpu.out"
ctr_expect cpu "--cpus 0.5 and --io-weight 200 reach cpu.max and io.weight" $?

# A fork bomb under --pids 16: read its cgroup from outside while it runs. The
# shell then becomes sleep without forking, so the container lives on.
timeout -s TERM 8 "$CTR" --pids 16 --rootfs "$CTR_ROOTFS" -- \
	/bin/sh -c 'bomb() { bomb | bomb & }; bomb; exec sleep 1000' >"$T/bomb.out" 2>&1 &
bomb=$!
sleep 4
cg=$(ls -d /sys/fs/cgroup/minictr/ctr-* 2>/dev/null | head -n 1)
cur=$(cat "$cg/pids.current" 2>/dev/null)
refused=$(awk '$1 == "max" { print $2 }' "$cg/pids.events" 2>/dev/null)
wait "$bomb"
bst=$?
if [ -n "$cur" ] && [ "$cur" -le 16 ] && [ "${refused:-0}" -gt 0 ]; then
	pass "--pids 16 stops a fork bomb ($cur processes, $refused forks refused)"
else
	fail "--pids 16" "pids.current='$cur' refused='$refused' in '$cg'"
	show_log "$T/bomb.out"
fi
[ "$bst" = 143 ] && [ -z "$(ls -d /sys/fs/cgroup/minictr/ctr-* 2>/dev/null)" ]
ctr_expect bomb "SIGTERM ends the container (status $bst) and its cgroup is removed" $?

# --- the container is its own session, and dies with minictr ---
ctr_run sid -- /bin/sh -c 'echo "SID=$(cut -d" " -f6 /proc/self/stat)"'
# The caller's session leader is outside the PID namespace: it would read 0.
grep -qx 'SID=1' "$T/sid.out"
ctr_expect sid "COMMAND runs in a session of its own (no TIOCSTI into the caller's terminal)" $?
ctr_run tty -t -- /bin/sh -c '[ -t 0 ] && [ -t 1 ] && echo TTY; exit 3' </dev/null
[ "$CTR_STATUS" = 3 ] && grep -q '^TTY' "$T/tty.out"
ctr_expect tty "-t: COMMAND's stdin and stdout are a pseudo-terminal of its own, status passed on" $?
ctr_alive() { for p in /proc/[0-9]*; do { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null; echo; done | grep -c "^/bin/sleep $1"; }
"$CTR" --rootfs "$CTR_ROOTFS" -- /bin/sleep 4321 >"$T/orphan.out" 2>&1 &
orphan=$!
sleep 2
before=$(ctr_alive 4321)
kill -KILL "$orphan"
wait "$orphan" 2>/dev/null
sleep 1
[ "$before" = 1 ] && [ "$(ctr_alive 4321)" = 0 ]
ctr_expect orphan "SIGKILL to minictr kills the container (after its credential change)" $?
"$CTR" --rootfs "$CTR_ROOTFS" -- /bin/sleep 4322 >"$T/hup.out" 2>&1 &
hup=$!
sleep 2
kill -HUP "$hup"
wait "$hup"
CTR_STATUS=$?
# ...and that run removed what the killed one left behind.
[ "$CTR_STATUS" = 129 ] && [ "$(ctr_alive 4322)" = 0 ] && [ -z "$(ls -d /sys/fs/cgroup/minictr/ctr-* 2>/dev/null)" ] &&
	[ -z "$(ls /run/minictr)" ]
ctr_expect hup "SIGHUP ends the container like SIGTERM (status $CTR_STATUS); no cgroup or runtime directory left" $?

# --- network ---
ctr_run net -- /bin/sh -c 'ls /sys/class/net'
[ "$CTR_STATUS" = 0 ] && [ "$(cat "$T/net.out")" = lo ]
ctr_expect net "--net none: only lo" $?
ip link add name ctrbr0 type bridge && ip addr add 10.77.0.1/24 dev ctrbr0 && ip link set ctrbr0 up
ctr_run bridge --net bridge=ctrbr0,ip=10.77.0.2/24,gw=10.77.0.1 -- \
	/bin/sh -c 'ls /sys/class/net | tr "\n" " "; echo; ip route; ping -c 1 -W 5 10.77.0.1'
veths=$(ip -o link | grep -c 'master ctrbr0')
grep -q '^eth0 lo' "$T/bridge.out" && grep -q 'default via 10.77.0.1' "$T/bridge.out" &&
	grep -q '1 packets received' "$T/bridge.out" && [ "$CTR_STATUS" = 0 ] && [ "$veths" = 0 ]
ctr_expect bridge "--net bridge=: eth0 on a host bridge, address and route set, host pingable, veth gone after" $?
ip link del ctrbr0
ctr_run nobridge --net bridge=nosuchbr0 -- /bin/true
[ "$CTR_STATUS" = 125 ] && grep -q '^minictr: error: bridge nosuchbr0' "$T/nobridge.out"
ctr_expect nobridge "a missing bridge is a one-line error" $?

# --- no container mount shows up on the host ---
grep -v ' - cgroup2 ' /proc/self/mountinfo | cut -d' ' -f5 | sort >"$T/mounts.before"
timeout 30 "$CTR" --rootfs "$CTR_ROOTFS" -v "$vol:/data" -- /bin/sleep 3 >"$T/mnt.out" 2>&1 &
mj=$!
sleep 1.5
grep -v ' - cgroup2 ' /proc/self/mountinfo | cut -d' ' -f5 | sort >"$T/mounts.during"
wait "$mj"
if cmp -s "$T/mounts.before" "$T/mounts.during"; then
	pass "no container mount shows up in the host's mountinfo"
else
	fail "mount leak" "$(diff "$T/mounts.before" "$T/mounts.during" | head -n 5)"
fi

# --- errors are one line and clean up ---
ctr_run badvol -v /nonexistent:/x -- /bin/true
[ "$CTR_STATUS" = 125 ] && [ "$(wc -l <"$T/badvol.out")" = 1 ] && grep -q '^minictr: error: ' "$T/badvol.out" &&
	[ -z "$(ls /run/minictr 2>/dev/null)" ] && [ -z "$(ls -d /sys/fs/cgroup/minictr/ctr-* 2>/dev/null)" ]
ctr_expect badvol "a bad volume is one 'minictr: error:' line, status 125, nothing left behind" $?

# --- the lab, both sides measured ---
if sh tools/lab boot --runs 3 >"$T/lab-boot.out" 2>&1 &&
	[ "$(awk -F, '$2 == "vm" && $3 + 0 > 0' build/lab/boot.csv | wc -l)" = 3 ] &&
	[ "$(awk -F, '$2 == "container" && $3 + 0 > 0 && $8 + 0 > 0' build/lab/boot.csv | wc -l)" = 3 ]; then
	pass "tools/lab boot --runs 3: $(sed -n 's/^start to init[^)]*) *//p' build/lab/boot.txt | tr -s ' ')"
else
	fail "tools/lab boot --runs 3" "see below"
	show_log "$T/lab-boot.out"
fi
if sh tools/lab isolation >"$T/lab-iso.out" 2>&1 &&
	awk -F'"' '/^kernel,/ { exit !($4 != "" && $6 != "") }' build/lab/isolation.csv &&
	awk -F'"' '/^hostname,/ { exit !($6 == "lab-container") }' build/lab/isolation.csv &&
	grep -q '^kernel_panic,.*guest kernel panicked' build/lab/isolation.csv; then
	pass "tools/lab isolation: probes from both sides and a VM kernel panic"
else
	fail "tools/lab isolation" "see below"
	show_log "$T/lab-iso.out"
fi
