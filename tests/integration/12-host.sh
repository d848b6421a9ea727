# The host decision and --timeout. The suite runs only where --check-host
# said yes (in tools/kvmbox: kvm_amd on nested SVM), so it must say so here
# too. --timeout stops a guest that never ends, after an orderly stop, with
# status 121; a guest that ends in time keeps its own status. Two boots.

out=$("$MINIVMM" --check-host 2>&1)
st=$?
if [ "$st" = 0 ] && echo "$out" | grep -q '^hardware: '; then
	pass "--check-host exits 0 here: $out"
else
	fail "--check-host" "status $st: $out"
fi

# An interactive shell that waits on its console forever: its stdin is a fifo
# this shell keeps open (fd 8), so no EOF ever reaches it.
mkfifo "$T/hold-timeout"
exec 8<>"$T/hold-timeout"
t0=$(date +%s)
timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
	--append "$GUEST_CMDLINE_BASE quiet" --timeout 30 \
	<"$T/hold-timeout" >"$T/timeout.log" 2>"$T/timeout.err" 8>&-
VM_STATUS=$?
took=$(($(date +%s) - t0))
exec 8>&-
if [ "$VM_STATUS" = 121 ] && [ "$took" -ge 30 ] && [ "$took" -le 60 ] &&
	[ "$(cat "$T/timeout.err")" = \
	  "minivmm: error: the guest did not finish within 30 s (--timeout): stopped" ]; then
	pass "--timeout 30 stops a guest that never ends: status 121 after $took s"
else
	fail "--timeout 30" "status $VM_STATUS after $took s (want 121 after 30-60 s)"
	show_log "$T/timeout.err"
fi

vm_test timeout-in-time facts --timeout 200
expect_status "a guest that ends within --timeout keeps its own status (42)" 42 timeout-in-time

# The scripts' command line (guest/cmdline.sh) is minivmm's default.
if "$MINIVMM" --help | grep -qF "\"$GUEST_CMDLINE_BASE\""; then
	pass "guest/cmdline.sh's base command line is minivmm's default"
else
	fail "default command line" "guest/cmdline.sh and vmm/cli.h differ"
fi
