# A real Debian from a disk (make image): systemd reaches multi-user.target,
# `systemctl reboot` boots it again, `systemctl poweroff` ends minivmm with 0,
# --no-reboot turns the reboot into 123, and SIGTERM shuts the guest down in
# order: the disk, read afterwards, shows a clean unmount and journald's log
# of that boot ending with its orderly stop (journalctl, brought into kvmbox).
# Then the lab's full-OS case: tools/lab boot and isolation --os debian, one
# VM each. run.sh gives the disk (a scratch copy of build/image/debian.img) as
# DEBIAN_DISK and the image's kernel and initrd; six boots.

DEB_KERNEL=build/image/vmlinuz DEB_INITRD=build/image/initrd.img
DEB_CMDLINE="$GUEST_CMDLINE_BASE root=/dev/vda rw quiet"
DEB_BOOT_LIMIT=${DEB_BOOT_LIMIT:-400} # seconds to a root shell with boot finished

# deb_start NAME [minivmm args...]: boot the image; the console goes to
# $T/NAME.log, our input goes in through fd 7. The VM's pid is $deb_pid.
deb_start() {
	deb_name=$1
	shift
	rm -f "$T/$deb_name.in"
	mkfifo "$T/$deb_name.in"
	"$MINIVMM" --kernel "$DEB_KERNEL" --initrd "$DEB_INITRD" --disk "$DEBIAN_DISK" \
		--mem 1G --cpus 2 --timeout 1500 --append "$DEB_CMDLINE" "$@" \
		<"$T/$deb_name.in" >"$T/$deb_name.log" 2>"$T/$deb_name.err" &
	deb_pid=$!
	exec 7>"$T/$deb_name.in"
}

# deb_wait PATTERN SECONDS WHAT [COUNT]: until COUNT (default 1) console lines
# hold PATTERN; 1 (and a line saying what it waited for) when not in time.
deb_wait() {
	n=0
	while [ "$(tr -d '\r' <"$T/$deb_name.log" | grep -c "$1")" -lt "${4:-1}" ]; do
		if [ "$n" -ge "$2" ] || ! kill -0 "$deb_pid" 2>/dev/null; then
			echo "     | gave up after $n s waiting for $3 ('$1' on the console)"
			return 1
		fi
		sleep 1
		n=$((n + 1))
	done
}

# deb_booted N: boot number N reached a root shell and multi-user.target.
# The marker is computed by the guest's shell, so our own echo never matches.
deb_booted() {
	deb_wait '(automatic login)' "$DEB_BOOT_LIMIT" "boot $1's root login" "$1" || return 1
	# shellcheck disable=SC2016 # the guest's shell expands it
	printf 'systemctl is-system-running --wait; echo "DEB-BOOT-$((%d + 0))-$(systemctl is-active multi-user.target)"\n' \
		"$1" >&7
	deb_wait "DEB-BOOT-$1-active" "$DEB_BOOT_LIMIT" "multi-user.target in boot $1"
}

# deb_end SECONDS: wait for minivmm to end; its status in $deb_status (255:
# still running, then killed).
deb_end() {
	n=0
	while [ "$n" -lt "$1" ] && kill -0 "$deb_pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
	done
	deb_status=255
	kill -0 "$deb_pid" 2>/dev/null && kill -KILL "$deb_pid"
	wait "$deb_pid" && deb_status=0 || deb_status=$?
	exec 7>&-
}

# deb_clean_stop BOOT_ID: the disk, after the VM: ext4 unmounted cleanly (no
# journal recovery pending) and journald's log of that boot ends with its
# orderly stop. Prints what it found; 0 when both hold.
deb_clean_stop() {
	# Superblock at 1024: s_feature_incompat at +96, bit 0x4 = needs recovery.
	incompat=$(dd if="$DEBIAN_DISK" bs=1 skip=$((1024 + 96)) count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	recover=$(((incompat / 4) % 2))
	mkdir -p "$T/debmnt"
	if ! mount -o ro "$DEBIAN_DISK" "$T/debmnt"; then
		echo "cannot mount the disk"
		return 1
	fi
	last=$(journalctl --directory="$T/debmnt/var/log/journal" -b "$1" -o cat 2>&1 | tail -n 1)
	umount "$T/debmnt"
	echo "ext4 recovery pending: $recover; the boot's last journal entry: '$last'"
	[ "$recover" = 0 ] && [ "$last" = "Journal stopped" ]
}

deb_fail() { # NAME WHAT
	fail "$1" "$2"
	show_log "$T/$deb_name.log"
	show_log "$T/$deb_name.err"
}

if [ -z "${DEBIAN_DISK:-}" ] || [ ! -f "$DEB_KERNEL" ]; then
	fail "Debian image" "no DEBIAN_DISK or $DEB_KERNEL: run through tests/integration/run.sh (make image)"
else
	# 1. multi-user.target, systemctl reboot, again, systemctl poweroff.
	deb_start debian
	if deb_booted 1; then
		pass "Debian: systemd reaches multi-user.target from the disk"
		echo 'systemctl reboot' >&7
		if deb_booted 2; then
			pass "Debian: systemctl reboot boots it a second time"
			echo 'systemctl poweroff' >&7
			deb_end 300
			if [ "$deb_status" = 0 ]; then
				pass "Debian: systemctl poweroff ends minivmm with 0"
			else
				deb_fail "Debian poweroff" "status $deb_status"
			fi
		else
			deb_fail "Debian reboot" "no second boot"
			deb_end 0
		fi
	else
		deb_fail "Debian boot" "no multi-user.target"
		deb_end 0
	fi

	# 2. --no-reboot: the reboot ends minivmm with 123.
	deb_start debian-noreboot --no-reboot
	if deb_booted 1; then
		echo 'systemctl reboot' >&7
		deb_end 300
		if [ "$deb_status" = 123 ]; then
			pass "Debian: with --no-reboot, systemctl reboot ends minivmm with 123"
		else
			deb_fail "Debian --no-reboot" "status $deb_status"
		fi
	else
		deb_fail "Debian --no-reboot boot" "no multi-user.target"
		deb_end 0
	fi

	# 3. SIGTERM: the power button, an orderly shutdown within the timeout.
	deb_start debian-sigterm --shutdown-timeout 120
	if deb_booted 1; then
		# shellcheck disable=SC2016 # the guest's shell expands it
		echo 'echo "DEB-BOOT-ID=$(cat /proc/sys/kernel/random/boot_id)"' >&7
		deb_wait 'DEB-BOOT-ID=[0-9a-f]' 60 "the guest's boot ID"
		# journalctl -b takes the 128-bit ID without its dashes.
		boot_id=$(tr -d '\r' <"$T/$deb_name.log" | sed -n 's/^DEB-BOOT-ID=\([0-9a-f-]*\).*/\1/p' |
			tail -n 1 | tr -d -)
		kill -TERM "$deb_pid"
		deb_end 180
		found=$(deb_clean_stop "$boot_id")
		clean=$?
		if [ "$deb_status" = 0 ] && [ "$clean" = 0 ]; then
			pass "Debian: SIGTERM shuts the guest down in order (status 0; $found)"
		else
			deb_fail "Debian SIGTERM" "status $deb_status; $found"
		fi
	else
		deb_fail "Debian SIGTERM boot" "no multi-user.target"
		deb_end 0
	fi

	# 4. minictr over the Debian root (ext4): an idmapped mount, not a copy;
	# root's files are root's inside, writes go to the throwaway layer.
	mkdir -p "$T/debroot"
	if mount -o ro "$DEBIAN_DISK" "$T/debroot"; then
		timeout 120 build/minictr --verbose --rootfs "$T/debroot" -- /bin/sh -c \
			'stat -c "owner=%u:%g" /etc/shadow; touch /etc/minictr-was-here && echo wrote-ok' \
			>"$T/ctr-idmap.out" 2>&1
		st=$?
		if [ $st = 0 ] && grep -q 'through an idmapped mount' "$T/ctr-idmap.out" &&
			grep -q '^owner=0:' "$T/ctr-idmap.out" && grep -q '^wrote-ok' "$T/ctr-idmap.out" &&
			[ ! -e "$T/debroot/etc/minictr-was-here" ]; then
			pass "minictr: the Debian root (ext4) through an idmapped mount: root-owned inside, written only in the throwaway layer"
		else
			fail "minictr idmapped image" "status $st"
			show_log "$T/ctr-idmap.out"
		fi
		umount "$T/debroot"
	else
		fail "minictr idmapped image" "cannot mount $DEBIAN_DISK"
	fi

	# 5. The lab's full-OS case (the disk is clean after the SIGTERM above).
	csv=build/lab/boot-debian.csv
	if LAB_DEBIAN_DISK=$DEBIAN_DISK sh tools/lab boot --os debian --runs 1 >"$T/lab-deb-boot.out" 2>&1 &&
		[ "$(awk -F, '$2 == "vm" && $3 + 0 > 0 && $9 + 0 > 0 && $12 + 0 > 0' "$csv" | wc -l)" = 1 ] &&
		[ "$(awk -F, '$2 == "container" && $3 + 0 > 0 && $8 + 0 > 0' "$csv" | wc -l)" = 1 ]; then
		pass "tools/lab boot --os debian: $(awk -F, '$2 == "vm" { printf "VM to a running system %s ms (systemd: kernel %s ms, to the default target %s ms)", $3, $9, $12 }
			$2 == "container" { printf ", container start to exec %s ms", $3 }' "$csv")"
	else
		fail "tools/lab boot --os debian" "see below"
		show_log "$T/lab-deb-boot.out"
	fi
	csv=build/lab/isolation-debian.csv
	# Columns (split on quotes): $2 host, $4 VM, $6 container.
	if LAB_DEBIAN_DISK=$DEBIAN_DISK sh tools/lab isolation --os debian >"$T/lab-deb-iso.out" 2>&1 &&
		awk -F'"' '/^pid1,/ { exit !($4 == "systemd" && $6 != "") }' "$csv" &&
		awk -F'"' '/^kernel_boot_id,/ { exit !($4 != $2 && $6 == $2) }' "$csv" &&
		awk -F'"' '/^hostname,/ { exit !($6 == "lab-container") }' "$csv" &&
		grep -q '^kernel_panic,.*guest kernel panicked' "$csv"; then
		pass "tools/lab isolation --os debian: systemd as the VM's PID 1, its own kernel boot; the container shares the host's; a VM kernel panic"
	else
		fail "tools/lab isolation --os debian" "see below"
		show_log "$T/lab-deb-iso.out"
	fi
fi
