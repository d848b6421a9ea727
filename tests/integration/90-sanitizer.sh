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
	MINIVMM=$san_saved
else
	echo "     (build/san/minivmm missing: make SANITIZE=1 build/san/minivmm; sanitizer boots not run)"
fi
