# Helpers for the hostile-guest boots (60-hostile.sh, 90-sanitizer.sh): a
# guest that garbles every I/O port, MMIO BAR and PCI config register it can
# reach (tests/guest/hostile.sh) must leave minivmm running, exiting 0 through
# the exit port, with no sanitizer report, and its disk must still work.

# no_sanitizer_report NAME LABEL: pass/fail on minivmm's stderr of boot NAME.
no_sanitizer_report() {
	if grep -Eq 'Sanitizer|runtime error:' "$T/$1.err"; then
		fail "$2" "sanitizer report on minivmm's stderr"
		grep -E -A 12 'Sanitizer|runtime error:' "$T/$1.err" | head -n 40 | sed 's/^/     | /'
	else
		pass "$2"
	fi
}

# hostile_boot NAME [MINIVMM ARGS...]: boot the hostile guest with a scratch
# disk (and a NIC where a network namespace can be made), check the verdict.
hostile_boot() {
	hname=$1
	shift
	{ printf minivmm-hostile-disk; head -c 1048556 /dev/zero; } > "$T/$hname.img"
	hstart=$(date +%s)
	saved_timeout=$VM_TIMEOUT
	VM_TIMEOUT=${HOSTILE_TIMEOUT:-400}
	# A NIC too, on a TAP minivmm creates in a network namespace of its own.
	hwrap= hnet=
	if unshare -n true 2>/dev/null; then
		hwrap="unshare -n" hnet="--net tap=mvhostile0"
	fi
	# vm_test's command, in that namespace.
	timeout -k 15 "$VM_TIMEOUT" $hwrap "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--console "file=$T/$hname.log" --append "$GUEST_CMDLINE minivmm.test=hostile" \
		--disk "$T/$hname.img" $hnet "$@" 2>"$T/$hname.err"
	VM_STATUS=$?
	VM_TIMEOUT=$saved_timeout
	hsecs=$(($(date +%s) - hstart))
	hlog=$(tr -d '\r' <"$T/$hname.log")
	if [ "$VM_STATUS" = 0 ] && echo "$hlog" | grep -q '^HOSTILE-END=ok$'; then
		hmsg="$hname: minivmm survives $(log_value "$hname" HOSTILE-PORT-WRITES) port writes"
		hmsg="$hmsg + $(log_value "$hname" HOSTILE-PORT-READS) reads,"
		hmsg="$hmsg $(log_value "$hname" HOSTILE-MMIO-WRITES) MMIO writes + reads,"
		hmsg="$hmsg $(log_value "$hname" HOSTILE-RING-OPS) raw virtqueue register/ring accesses,"
		hmsg="$hmsg $(log_value "$hname" HOSTILE-CFG-WRITES) PCI config writes; guest exits 0 (${hsecs} s)"
		pass "$hmsg"
		echo "     phases (1/100 s): $(echo "$hlog" | sed -n 's/^HOSTILE-CS-//p' | tr '\n' ' ')"
	else
		fail "$hname" "status $VM_STATUS, $(echo "$hlog" | grep -E '^HOSTILE-(FAIL|CS-)' | tr '\n' ' ')"
		show_log "$T/$hname.log"
		show_log "$T/$hname.err"
	fi
	if [ "$(log_value "$hname" HOSTILE-RING)" = ok ]; then
		pass "$hname: raw virtqueues: malformed chains complete, a corrupt ring or rings outside RAM give NEEDS_RESET, real reads work between"
	else
		fail "$hname: raw virtqueues" "$(log_value "$hname" HOSTILE-FAIL)"
	fi
	if [ "$(log_value "$hname" HOSTILE-BARS-RESTORED)" = ok ] &&
		[ "$(log_value "$hname" HOSTILE-DISK)" = ok ] &&
		{ [ -z "$hnet" ] || [ "$(log_value "$hname" HOSTILE-NIC)" = ok ]; }; then
		pass "$hname: BARs move back home; rebound virtio-blk reads the host's pattern${hnet:+, virtio-net is back}"
	else
		fail "$hname: recovery" "$(log_value "$hname" HOSTILE-FAIL)"
	fi
	no_sanitizer_report "$hname" "$hname: no sanitizer report"
}
