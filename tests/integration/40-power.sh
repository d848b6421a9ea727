# A full OS: the stock kernel with ACPI on reads our tables without a
# complaint (and iasl -d agrees), sees exactly --cpus CPUs, and uses the
# power button and pvpanic; power off, reboot, triple fault, panic and
# SIGTERM each end the VM the documented way.

# --- ACPI tables, read by the guest kernel and by iasl on the host ---
vm_test acpi acpi --cpus 3
expect_status "ACPI guest runs to its end" 0 acpi
if [ "$(log_value acpi ACPI-CPUS)" = 3 ] && [ "$(log_value acpi ACPI-POSSIBLE)" = 0-2 ] &&
	[ "$(log_value acpi ACPI-PRESENT)" = 0-2 ]; then
	pass "ACPI: the guest sees exactly --cpus 3 CPUs (possible = present = 0-2)"
else
	fail "ACPI CPUs" "cpus '$(log_value acpi ACPI-CPUS)' possible '$(log_value acpi ACPI-POSSIBLE)' present '$(log_value acpi ACPI-PRESENT)'"
fi
if [ "$(log_value acpi ACPI-COMPLAINTS)" = 0 ] && log_value acpi ACPI-TABLES | grep -q DSDT; then
	pass "ACPI: tables $(log_value acpi ACPI-TABLES)with no ACPI Error/Warning or [Firmware Bug] in dmesg"
else
	fail "ACPI dmesg" "tables '$(log_value acpi ACPI-TABLES)', complaints '$(log_value acpi ACPI-COMPLAINTS)'"
	grep 'ACPI-COMPLAINT' "$T/acpi.log" | head -n 10 | sed 's/^/     | /'
fi
if [ "$(log_value acpi ACPI-POWER-BUTTON)" = 1 ] && [ "$(log_value acpi ACPI-PVPANIC)" = 1 ] &&
	[ "$(log_value acpi ACPI-COM1)" = 0x3F8 ]; then
	pass "ACPI: the guest found the power button, pvpanic and COM1 in the DSDT"
else
	fail "ACPI devices" "power button '$(log_value acpi ACPI-POWER-BUTTON)', pvpanic '$(log_value acpi ACPI-PVPANIC)', COM1 '$(log_value acpi ACPI-COM1)'"
fi

# The guest's own /sys/firmware/acpi/tables, disassembled on the host.
if command -v iasl >/dev/null 2>&1; then
	mkdir -p "$T/acpi"
	tr -d '\r' <"$T/acpi.log" | awk -v dir="$T/acpi" '
		/^ACPI-TABLE-BEGIN / { f = dir "/" $2 ".b64"; next }
		/^ACPI-TABLE-END / { f = ""; next }
		f != "" { print > f }'
	n=0 bad=""
	for b in "$T"/acpi/*.b64; do
		[ -f "$b" ] || continue
		dat=${b%.b64}.dat
		base64 -d <"$b" >"$dat" 2>/dev/null || { bad="$bad ${b##*/}(base64)"; continue; }
		out=$(cd "$T/acpi" && iasl -d "${dat##*/}" 2>&1)
		n=$((n + 1))
		if [ ! -s "${dat%.dat}.dsl" ] || echo "$out" | grep -qiE 'error|warning|invalid'; then
			bad="$bad ${dat##*/}"
			echo "$out" | grep -iE 'error|warning|invalid' | head -n 5 | sed 's/^/     | /'
		fi
	done
	# Linux exposes FACP, APIC and DSDT (RSDP and XSDT are not in sysfs).
	if [ "$n" -ge 3 ] && [ -z "$bad" ]; then
		pass "iasl -d disassembles all $n of the guest's ACPI tables without an error"
	else
		fail "iasl -d" "$n tables, problems in:${bad:- (fewer than 3 tables)}"
	fi
else
	fail "iasl -d" "iasl (acpica-tools) is not installed where the suite runs"
fi

# --- power off without the exit port ---
# --timeout: a guest that cannot power off halts its CPUs and would hold the
# test until VM_TIMEOUT.
vm_test poweroff poweroff --timeout 90
if [ "$VM_STATUS" = 0 ] && grep -q POWEROFF-NOW "$T/poweroff.log" &&
	! grep -q POWEROFF-DID-NOT-HAPPEN "$T/poweroff.log"; then
	pass "a guest's poweroff -f (reboot(RB_POWER_OFF), ACPI S5) ends minivmm with 0"
else
	fail "poweroff" "status $VM_STATUS"
	show_log "$T/poweroff.log"
fi

# --- reboot: the same kernel boots again; --no-reboot exits 123 ---
dd if=/dev/zero of="$T/reboot.img" bs=1M count=1 2>/dev/null
vm_test reboot reboot --disk "$T/reboot.img" --timeout 150
first=$(grep -c REBOOT-FIRST-BOOT "$T/reboot.log")
second=$(grep -c REBOOT-SECOND-BOOT "$T/reboot.log")
if [ "$VM_STATUS" = 0 ] && [ "$first" = 1 ] && [ "$second" = 1 ]; then
	pass "a guest reboot boots the kernel again (second boot ran, status 0)"
else
	fail "reboot" "status $VM_STATUS, first boots $first, second boots $second"
	show_log "$T/reboot.log"
	show_log "$T/reboot.err"
fi
dd if=/dev/zero of="$T/reboot.img" bs=1M count=1 2>/dev/null
vm_test noreboot reboot --disk "$T/reboot.img" --no-reboot --timeout 90
if [ "$VM_STATUS" = 123 ] && ! grep -q REBOOT-SECOND-BOOT "$T/noreboot.log"; then
	pass "--no-reboot: a guest reboot ends minivmm with 123"
else
	fail "--no-reboot" "status $VM_STATUS"
	show_log "$T/noreboot.log"
fi
# reboot=t: the kernel resets by triple fault.
dd if=/dev/zero of="$T/reboot.img" bs=1M count=1 2>/dev/null
timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
	--console "file=$T/triple.log" --disk "$T/reboot.img" --no-reboot --timeout 90 \
	--append "$GUEST_CMDLINE reboot=t minivmm.test=reboot" 2>"$T/triple.err"
VM_STATUS=$?
if [ "$VM_STATUS" = 123 ] && grep -q 'triple fault: the guest reset the machine' "$T/triple.err"; then
	pass "a triple fault resets the machine and says so (--no-reboot: 123)"
else
	fail "triple fault" "status $VM_STATUS"
	show_log "$T/triple.err"
fi

# --- panic: pvpanic reports it before the panic=-1 reboot ---
vm_test panic lab_panic --timeout 90
if [ "$VM_STATUS" = 122 ] && grep -q 'the guest kernel panicked' "$T/panic.err" &&
	tr -d '\r' <"$T/panic.log" | grep -q 'Kernel panic' && ! grep -q LAB-PANIC-SURVIVED "$T/panic.log"; then
	pass "a guest kernel panic ends minivmm with 122, one stderr line, the panic on the console"
else
	fail "panic" "status $VM_STATUS"
	show_log "$T/panic.err"
	show_log "$T/panic.log"
fi

# --- SIGTERM: the power button, then --shutdown-timeout ---
# sigterm_vm NAME [args...]: boot an interactive guest in the background,
# wait for its shell prompt, leave its pid in $pid.
sigterm_vm() {
	name=$1
	shift
	rm -f "$T/$name.hold"
	mkfifo "$T/$name.hold"
	"$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" "$@" <"$T/$name.hold" \
		>"$T/$name.log" 2>"$T/$name.err" &
	pid=$!
	exec 8>"$T/$name.hold" # stdin stays open: EOF must not be what stops it
	i=0
	while [ $i -lt "$VM_TIMEOUT" ] && ! grep -q 'minivmm# ' "$T/$name.log"; do
		sleep 1
		i=$((i + 1))
	done
}

# wait_exit SECONDS: wait for $pid to end; its status in $st (255: still running).
wait_exit() {
	i=0
	while [ $i -lt "$1" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
	st=255
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid"
	else
		wait "$pid"
		st=$?
	fi
	exec 8>&-
}

sigterm_vm graceful --append "$GUEST_CMDLINE"
kill -TERM "$pid"
wait_exit 30
if [ "$st" = 0 ] && grep -q 'init: power button pressed: powering off' "$T/graceful.log"; then
	pass "SIGTERM presses the power button: the guest shuts down in order, status 0"
else
	fail "SIGTERM graceful" "status $st"
	show_log "$T/graceful.log"
	show_log "$T/graceful.err"
fi

# acpi=off: the guest cannot see the button, so --shutdown-timeout stops it.
sigterm_vm deaf --append "$GUEST_CMDLINE acpi=off" --shutdown-timeout 3
kill -TERM "$pid"
wait_exit 30
if [ "$st" = 143 ] && grep -q 'did not power off within 3 s (--shutdown-timeout)' "$T/deaf.err"; then
	pass "a guest that ignores the button is stopped after --shutdown-timeout (143)"
else
	fail "--shutdown-timeout" "status $st"
	show_log "$T/deaf.err"
fi

# A second SIGTERM does not wait for the timeout.
sigterm_vm twice --append "$GUEST_CMDLINE acpi=off" --shutdown-timeout 600
kill -TERM "$pid"
sleep 1
kill -TERM "$pid"
wait_exit 20
if [ "$st" = 143 ]; then
	pass "a second SIGTERM stops the VM at once (143)"
else
	fail "second SIGTERM" "status $st"
	show_log "$T/twice.err"
fi
