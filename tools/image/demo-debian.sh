#!/bin/sh
# demo-debian.sh — `make demo-debian`: boot the Debian image of `make image`
# (tools/image/build-debian.sh) in minivmm from its disk, show what the guest sees,
# then power it off with `systemctl poweroff`.
#
# Runs on this host's KVM when `minivmm --check-host` says a stock kernel runs there at
# hardware speed, else in a tools/kvmbox machine, where the image is attached with
# --drive (the box's /dev/vda, passed to minivmm as its --disk) and written in place.
# The guest is driven through its serial console: minivmm's stdin is a pipe, the image
# logs root in on ttyS0 by itself, and each command waits for the output of the one
# before. Every wait is bounded and says what it waited for when it gives up; minivmm
# runs with --timeout. Afterwards the host reads the image's journal (debugfs and
# journalctl, no mount) to show how the guest's last boot ended.
#
# POSIX sh: the part that drives the guest (--inside DISK) runs in the box's busybox.
# Environment: DEMO_CPUS (default 2) and DEMO_MEM (default 1G) for the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1

IMG=build/image
# minivmm's default command line (ACPI on, so `systemctl poweroff` ends the VM) and the
# root disk; quiet, because under nested emulation every console byte is a VM exit.
CMDLINE="root=/dev/vda rw console=ttyS0 panic=-1 pci=conf1,noearly"
CMDLINE="$CMDLINE quiet"
# Bounds, in seconds: the login prompt, one command, the power-off after
# `systemctl poweroff`, the whole VM (minivmm --timeout) and the box.
BOOT_LIMIT=600 STEP_LIMIT=300 OFF_LIMIT=120 VM_LIMIT=1200 BOX_LIMIT=1500

# The guest's boot ID, to find this boot in the image's journal afterwards.
# shellcheck disable=SC2016 # the guest's shell expands it
SHOW_BOOT_ID='echo "boot-id: $(tr -d - < /proc/sys/kernel/random/boot_id)"'

say() { echo "demo-debian: $*"; }

# wait_for PATTERN SECONDS WHAT: until PATTERN is on the guest console.
wait_for() {
	_n=0
	while ! grep -q "$1" "$LOG"; do
		if ! kill -0 "$VM" 2>/dev/null; then
			say "error: minivmm ended while waiting for $3 ('$1' on the console)" >&2
			return 1
		fi
		if [ $_n -ge "$2" ]; then
			say "error: no $3 after $2 s (waiting for '$1' on the console)" >&2
			return 1
		fi
		sleep 1
		_n=$((_n + 1))
	done
}

# guest COMMAND: type COMMAND into the guest's root shell and wait until it is done.
# The marker is computed by the guest's shell, so the echo of the typed line never
# matches it.
STEP=0
guest() {
	STEP=$((STEP + 1))
	# shellcheck disable=SC2016 # the guest's shell expands it
	printf '%s; echo "demo-step-$((%d + 1))-done"\n' "$1" $((STEP - 1)) >&3
	wait_for "demo-step-$STEP-done" $STEP_LIMIT "the end of '$1'"
}

# wait_exit SECONDS: until minivmm has exited; its status in VM_RC.
wait_exit() {
	_n=0
	while kill -0 "$VM" 2>/dev/null && [ $_n -lt "$1" ]; do
		sleep 1
		_n=$((_n + 1))
	done
	kill -0 "$VM" 2>/dev/null && return 1
	wait "$VM"
	VM_RC=$?
}

# After `systemctl poweroff`: minivmm exits 0 when the guest powers the machine off
# (ACPI). A kernel that cannot (acpi=off, or a minivmm without ACPI) halts instead
# ("reboot: System halted"): then stop minivmm, saying so.
power_off() {
	_n=0
	while kill -0 "$VM" 2>/dev/null && [ $_n -lt $OFF_LIMIT ]; do
		if grep -q 'reboot: System halted' "$LOG"; then
			sleep 2
			kill -0 "$VM" 2>/dev/null || break
			say "the guest halted its CPUs instead of powering off (no ACPI power-off):" \
				"stopping minivmm" >&2
			kill -INT "$VM"
			wait_exit 30 || kill -KILL "$VM"
			return 0
		fi
		sleep 1
		_n=$((_n + 1))
	done
	if wait_exit 0; then
		say "minivmm exited with status $VM_RC $(($(date +%s) - T0)) s after its start" \
			"(0: the guest powered off)" >&2
		[ "$VM_RC" = 0 ]
		return
	fi
	say "error: the guest did not power off within $OFF_LIMIT s of 'systemctl poweroff':" \
		"SIGTERM (the power button)" >&2
	kill -TERM "$VM"
	wait_exit 30 || kill -KILL "$VM"
	return 1
}

# drive DISK: boot the image from DISK, run the demo commands, power off. Where
# minivmm runs (this host, or inside the box).
drive() {
	T=$(mktemp -d)
	LOG=$T/console.log
	mkfifo "$T/in"
	: > "$LOG"
	set -- build/minivmm --kernel $IMG/vmlinuz --initrd $IMG/initrd.img --disk "$1" \
		--mem "${DEMO_MEM:-1G}" --cpus "${DEMO_CPUS:-2}" --no-reboot --timeout $VM_LIMIT \
		--append "$CMDLINE"
	say "$*"
	T0=$(date +%s)
	"$@" < "$T/in" > "$LOG" 2>&1 &
	VM=$!
	exec 3> "$T/in" # keeps minivmm's stdin open until we are done
	tail -n +1 -f "$LOG" &
	shower=$!
	# Background jobs of a script ignore Ctrl-C: on a signal, press the guest's power
	# button (minivmm stops it 15 s later at the most) and clean up.
	trap 'kill -TERM "$VM" "$shower" 2>/dev/null; rm -rf "$T"; exit 130' INT
	trap 'kill -TERM "$VM" "$shower" 2>/dev/null; rm -rf "$T"; exit 143' TERM HUP
	rc=1
	if wait_for 'minivmm-debian:~#' $BOOT_LIMIT "root shell on ttyS0 (autologin)"; then
		echo
		say "root shell after $(($(date +%s) - T0)) s (wall clock, from minivmm's start)" >&2
		guest 'stty cols 160 rows 50; export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0' &&
			guest 'timeout 120 systemctl is-system-running --wait' &&
			guest 'systemd-analyze' &&
			guest 'systemd-analyze blame | head -n 8' &&
			guest 'uname -r; nproc; lsblk; findmnt /; ip -br link' &&
			guest "$SHOW_BOOT_ID" &&
			guest 'systemctl --failed --no-legend' &&
			rc=0
		printf 'systemctl poweroff\n' >&3
		power_off || rc=1
	else
		kill -TERM "$VM" 2>/dev/null
		wait_exit 30 || kill -KILL "$VM" 2>/dev/null
	fi
	exec 3>&-
	sleep 1 # the last console lines
	kill "$shower" 2>/dev/null
	BOOT_ID=$(boot_id < "$LOG")
	rm -rf "$T"
	trap - INT TERM HUP
	return $rc
}

# The guest's boot ID, from the console output on stdin ("" when it never printed it).
boot_id() {
	sed -n 's/.*boot-id: \([0-9a-f]\{32\}\).*/\1/p' | head -n 1
}

# How this boot (BOOT_ID) ended, from the image's journal, read on the host without
# mounting: a clean shutdown ends with journald's "Journal stopped".
show_journal() {
	if [ -z "$BOOT_ID" ]; then
		say "(the guest printed no boot ID: not reading its journal)"
		return 0
	fi
	if ! command -v debugfs > /dev/null || ! command -v journalctl > /dev/null; then
		say "(no debugfs or journalctl here: not reading the image's journal)"
		return 0
	fi
	J=$(mktemp -d)
	debugfs -R "rdump /var/log/journal $J" $IMG/debian.img > /dev/null 2>&1
	if journalctl -D "$J/journal" -b "$BOOT_ID" -n 6 --no-pager -o short-monotonic \
		> "$J/tail" 2>&1; then
		say "the end of this boot's journal (read from $IMG/debian.img):"
		sed 's/^/  | /' "$J/tail"
		if grep -q 'Journal stopped' "$J/tail"; then
			say "the guest shut down in order (journald stopped)"
		else
			say "the guest did not shut down in order (no 'Journal stopped' at the end)"
		fi
	else
		say "boot $BOOT_ID is not in the image's journal: $(tail -n 1 "$J/tail")"
	fi
	# "clean": the guest unmounted (or remounted read-only) its root before the end.
	say "root file system: $(dumpe2fs -h $IMG/debian.img 2>/dev/null |
		grep '^Filesystem state:' | tr -s ' ')"
	rm -rf "$J"
}

# The demo in a tools/kvmbox machine, the image as its --drive; status in rc. The
# output is shown live and kept for the boot ID; the status comes through a file.
in_box() {
	OUT=$(mktemp)
	{
		tools/kvmbox --timeout $BOX_LIMIT --drive $IMG/debian.img \
			--add $IMG/vmlinuz:$IMG/vmlinuz --add $IMG/initrd.img:$IMG/initrd.img \
			-- sh tools/image/demo-debian.sh --inside /dev/vda
		echo $? > "$OUT.rc"
	} 2>&1 | tee "$OUT"
	rc=$(cat "$OUT.rc")
	BOOT_ID=$(boot_id < "$OUT")
	rm -f "$OUT" "$OUT.rc"
}

if [ "${1:-}" = --inside ]; then
	[ $# = 2 ] || { echo "usage: $0 --inside DISK" >&2; exit 2; }
	drive "$2"
	exit
fi

for f in debian.img vmlinuz initrd.img; do
	[ -e $IMG/$f ] || { say "error: $IMG/$f is missing: run 'make image' first" >&2; exit 1; }
done
. tools/host-kvm.sh
host_kvm_decide demo-debian || exit 1
if [ "$HOST_KVM_RUN" = direct ]; then
	drive $IMG/debian.img
	rc=$?
else
	say "(a throwaway machine under QEMU software emulation: expect minutes, not seconds)"
	in_box
	# 125: the box itself died, which QEMU's emulated nested SVM sometimes does under a
	# busy nested guest (docs/kvmbox.md); not the guest's fault, so once more.
	if [ "$rc" = 125 ]; then
		say "the box died (status 125, see above): once more in a fresh box"
		in_box
	fi
fi
show_journal
exit "$rc"
