# The VMM's seccomp sandbox (vmm/seccomp.c): while a guest with a disk runs,
# every minivmm thread (main, vCPUs, console, virtio I/O) is in seccomp
# filter mode with no_new_privs; --seccomp=off says so on stderr. Every
# other test in the suite runs with the filters on: a system call they miss
# ends minivmm with status 159 (SIGSYS) and fails that test.
head -c $((1 << 20)) /dev/zero >"$T/sandbox.img"
mkfifo "$T/sandbox-hold"
"$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --boot-time --shutdown-timeout 0 --cpus 2 \
	--disk "$T/sandbox.img" --append "$GUEST_CMDLINE" <"$T/sandbox-hold" \
	>"$T/sandbox.log" 2>"$T/sandbox.err" &
pid=$!
exec 9>"$T/sandbox-hold"
i=0
while [ $i -lt "$VM_TIMEOUT" ] && ! grep -q boot-time-ms "$T/sandbox.err" &&
	kill -0 "$pid" 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
threads="" unconfined=""
for s in /proc/"$pid"/task/*/status; do
	[ -f "$s" ] || continue
	name=$(sed -n 's/^Name:[[:space:]]*//p' "$s")
	threads="$threads $name"
	grep -q '^Seccomp:[[:space:]]*2$' "$s" && grep -q '^NoNewPrivs:[[:space:]]*1$' "$s" ||
		unconfined="$unconfined $name"
done
case "$threads" in
*vcpu0*vcpu1* | *vcpu1*vcpu0*) have_vcpus=1 ;;
*) have_vcpus=0 ;;
esac
if [ "$have_vcpus" = 1 ] && [ -z "$unconfined" ] && echo "$threads" | grep -q 'vio-blk0' &&
	echo "$threads" | grep -q 'console-out' && echo "$threads" | grep -q 'console-in'; then
	pass "sandbox: every thread filtered (Seccomp 2, NoNewPrivs 1):$threads"
else
	fail "sandbox: threads" "threads:$threads; not confined:${unconfined:- none}"
	show_log "$T/sandbox.err"
fi
stop_vm "$pid" 20
exec 9>&-
expect_status "sandbox: the filtered VM stops on SIGTERM (143)" 143 sandbox

# --seccomp=off: one line on stderr says the sandbox is off.
timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --console none \
	--timeout 1 --seccomp=off </dev/null 2>"$T/sandbox-off.err"
VM_STATUS=$?
if [ "$VM_STATUS" = 121 ] && [ "$(grep -c 'sandbox is off' "$T/sandbox-off.err")" = 1 ]; then
	pass "sandbox: --seccomp=off says so on stderr: $(grep 'sandbox is off' "$T/sandbox-off.err")"
else
	fail "sandbox: --seccomp=off" "status $VM_STATUS"
	show_log "$T/sandbox-off.err"
fi
