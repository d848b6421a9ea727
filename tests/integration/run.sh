#!/bin/sh
# Integration tests: the host-side input checks first (they need no KVM: every
# bad input is rejected before /dev/kvm is opened), then the guest suite,
# directly when `minivmm --check-host` says this host's KVM runs a stock kernel
# at hardware speed, else inside one tools/kvmbox boot so a whole suite costs a
# single throwaway machine. `make integration` builds minivmm first.
set -u
cd "$(dirname "$0")/../.." || exit 1

status=0
sh tests/integration/cli-errors.sh || status=1
sh tests/integration/cli-errors-pvh.sh || status=1
# The kvmbox watchdog: a box that stops responding is killed within a minute.
sh tests/integration/kvmbox-watchdog.sh || status=1
# Disk fixtures need host tools (mke2fs) the kvmbox lacks: build them here.
sh tests/integration/blk-fixtures.sh || status=1

# 45-debian writes to its disk: a scratch copy of make image's, fresh each run
# (sparse, so a few seconds).
DEBIAN_IMG=build/image/test.img
if [ -f build/image/debian.img ]; then
	cp --sparse=always build/image/debian.img "$DEBIAN_IMG" || status=1
fi

. tools/host-kvm.sh
host_kvm_decide integration || exit 1
if [ "$HOST_KVM_RUN" = direct ]; then
	DEBIAN_DISK=$DEBIAN_IMG sh tests/integration/suite.sh || status=1
else
	# ONLY=pattern (e.g. ONLY=20-blk) picks suite files; pass it into the box.
	out=$(mktemp)
	IASL=$(command -v iasl)
	JOURNALCTL=$(command -v journalctl)
	# Found through its RUNPATH, which kvmbox's library copy does not follow.
	JOURNALCTL_LIB=$(ldd "$JOURNALCTL" 2>/dev/null | awk '/libsystemd-shared/ { print $3 }')
	in_box() { # ONLY-pattern EXCEPT-pattern
		# iasl (acpica-tools) disassembles the guest's ACPI tables (40-power).
		# The Debian disk is the box's /dev/vda; its kernel and initrd come along.
		tools/kvmbox --timeout "${KVMBOX_TIMEOUT:-1500}" \
			${IASL:+--add "$IASL:build/iasl"} --drive "$DEBIAN_IMG" \
			${JOURNALCTL:+--add "$JOURNALCTL:build/journalctl"} \
			${JOURNALCTL_LIB:+--add "$JOURNALCTL_LIB"} \
			--add build/image/vmlinuz:build/image/vmlinuz \
			--add build/image/initrd.img:build/image/initrd.img -- \
			env ONLY="$1" EXCEPT="$2" DEBIAN_DISK=/dev/vda \
			sh tests/integration/suite.sh 2>&1 | tee "$out"
		return "$(tail -n 1 "$out" | grep -q '^integration: [0-9]* passed, 0 failed$' && echo 0 || echo 1)"
	}
	# QEMU's emulated nested SVM fails under us now and then: the box's kernel
	# dies (kvmbox says so) or a nested guest crashes (docs/kvmbox.md). Run
	# what failed once more in a fresh box: the whole part when the box died,
	# else only the files with failures. When that fresh box dies too (no
	# verdict on the tests), a third box runs the same. Every result stays
	# above; a test that fails again fails the run.
	in_part() { # ONLY-pattern EXCEPT-pattern
		in_box "$1" "$2" && return 0
		again=$(sed -n 's/^integration: files with failures: //p' "$out" | sed 's/\.sh//g; s/ /\\|/g')
		except=""
		# The box died, or the suite ended without its summary: the whole part.
		if [ -z "$again" ] || grep -q '^kvmbox: error: the box' "$out"; then
			again=$1 except=$2
		fi
		echo "integration: FAILED in this box (above); running ${again:-the same files} once more in a fresh box, as QEMU's nested SVM fails now and then (docs/kvmbox.md)"
		if in_box "$again" "$except"; then
			echo "integration: passed in the fresh box; the failures above were in the first box"
			return 0
		fi
		grep -q '^kvmbox: error: the box' "$out" || return 1
		echo "integration: the fresh box died too (above), before its tests' verdict: the same once more in a third box"
		in_box "$again" "$except" || return 1
		echo "integration: passed in the third box; the failures above were in the earlier boxes"
	}
	# The Debian guest (four long boots) gets a box of its own, so the box
	# crash it meets most often costs only its own rerun.
	rc=0
	if [ -n "${ONLY:-}" ]; then
		in_part "$ONLY" "" || rc=1
	else
		in_part "" 45-debian || rc=1
		in_part 45-debian "" || rc=1
	fi
	rm -f "$out"
	[ $rc = 0 ] || status=1
fi
# The OCI runtime checks (build/minictr with podman, containerd and the OCI
# validation suite, crun alongside) in a kvmbox of their own whatever this
# host's KVM (cgroup v2 there); not with ONLY (run tests/integration/oci.sh
# alone for them; OCI_RUNTIME=PATH tests another runtime).
if [ -z "${ONLY:-}" ]; then
	sh tests/integration/oci.sh || status=1
fi
exit $status
