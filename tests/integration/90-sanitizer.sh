# Sanitizer smoke: the ASan+UBSan build (make SANITIZE=1, build/san/minivmm)
# boots the core facts test and the hostile guest; any sanitizer report on
# its stderr fails. `make integration` builds it; without it, nothing runs.
. tests/integration/hostile-lib.sh
if [ -x build/san/minivmm ]; then
	san_saved=$MINIVMM
	MINIVMM=build/san/minivmm
	# Leaks are reported at exit and turn the exit status into 23.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
	vm_test san-facts facts --cpus 2 --mem 1G
	if [ "$VM_STATUS" = 42 ] && [ "$(log_value san-facts GUEST-CPUS)" = 2 ] &&
		[ "$(log_value san-facts GUEST-PID1)" = init ]; then
		pass "san-facts: the sanitizer build boots the guest (2 CPUs, our init, status 42)"
	else
		fail "san-facts" "status $VM_STATUS, cpus '$(log_value san-facts GUEST-CPUS)'"
		show_log "$T/san-facts.log"
		show_log "$T/san-facts.err"
	fi
	no_sanitizer_report san-facts "san-facts: no sanitizer report"
	hostile_boot san-hostile --append "$GUEST_CMDLINE minivmm.test=hostile hostile.quick"

	# The control API and the pause gate under the sanitizers: state,
	# metrics, pause, resume, then a hard stop (120).
	dd if=/dev/zero of="$T/san-api.img" bs=1M count=1 2>/dev/null
	: >"$T/san-api.log"
	"$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
		--console "file=$T/san-api.log" --disk "$T/san-api.img" --api-sock "$T/san-api.sock" \
		--append "$GUEST_CMDLINE minivmm.test=counter" </dev/null 2>"$T/san-api.err" &
	san_pid=$!
	san_ok=no
	if wait_for_line "$T/san-api.log" '^COUNT=2$' "$VM_TIMEOUT" &&
		"$VMCTL" "$T/san-api.sock" GET /vm >/dev/null &&
		"$VMCTL" "$T/san-api.sock" GET /metrics >/dev/null &&
		"$VMCTL" "$T/san-api.sock" PUT /vm/pause >/dev/null &&
		"$VMCTL" "$T/san-api.sock" PUT /vm/resume >/dev/null &&
		"$VMCTL" "$T/san-api.sock" PUT /vm/stop >/dev/null; then
		san_ok=yes
	fi
	await_exit 60 "$san_pid"
	if [ "$san_ok" = yes ] && [ "$VM_STATUS" = 120 ]; then
		pass "san-api: GET /vm, /metrics, pause, resume, stop (120) under ASan+UBSan"
	else
		fail "san-api" "calls ok: $san_ok, status $VM_STATUS"
		show_log "$T/san-api.err"
	fi
	no_sanitizer_report san-api "san-api: no sanitizer report"
	MINIVMM=$san_saved
else
	echo "     (build/san/minivmm missing: make SANITIZE=1 build/san/minivmm; sanitizer boots not run)"
fi
