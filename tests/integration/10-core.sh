# Core: the stock kernel boots to our init, sees the CPUs, memory and
# command line we gave it, reports boot time, and hands back its status.

vm_test core-4cpu facts --cpus 4 --mem 512M --boot-time \
	--append "$GUEST_CMDLINE minivmm.test=facts minivmm.marker=cmdline-arrives-7f3a"
expect_status "guest reaches init and returns its exit status (42)" 42 core-4cpu

cpus=$(log_value core-4cpu GUEST-CPUS)
online=$(log_value core-4cpu GUEST-ONLINE)
apics=$(log_value core-4cpu GUEST-APICIDS)
if [ "$cpus" = 4 ] && [ "$online" = 0-3 ] && [ "$apics" = 4 ]; then
	pass "--cpus 4 gives 4 online CPUs with distinct APIC IDs"
else
	fail "--cpus 4" "guest saw cpus='$cpus' online='$online' apicids='$apics'"
fi

mem=$(log_value core-4cpu GUEST-MEMTOTAL-KB)
# MemTotal excludes what the kernel reserves for itself (code, page tables):
# accept 85-100% of 512 MiB.
if [ -n "$mem" ] && [ "$mem" -le 524288 ] && [ "$mem" -ge 445644 ]; then
	pass "--mem 512M gives MemTotal ${mem} kB"
else
	fail "--mem 512M" "MemTotal '$mem' kB"
fi

if log_value core-4cpu GUEST-CMDLINE | grep -q 'minivmm.marker=cmdline-arrives-7f3a'; then
	pass "the kernel command line arrives"
else
	fail "command line" "guest saw '$(log_value core-4cpu GUEST-CMDLINE)'"
fi

if [ "$(log_value core-4cpu GUEST-PID1)" = init ]; then
	pass "PID 1 is our init"
else
	fail "PID 1" "comm '$(log_value core-4cpu GUEST-PID1)'"
fi

if grep -Eq '^minivmm: boot-time-ms=[0-9]+$' "$T/core-4cpu.err"; then
	pass "--boot-time prints $(grep boot-time-ms "$T/core-4cpu.err")"
else
	fail "--boot-time" "no boot-time-ms line on stderr"
	show_log "$T/core-4cpu.err"
fi

# 6 GiB: RAM is split around the 3-4 GiB PCI hole; the guest must see it all.
vm_test core-6g facts --mem 6G --cpus 2
mem=$(log_value core-6g GUEST-MEMTOTAL-KB)
if [ "$VM_STATUS" = 42 ] && [ -n "$mem" ] && [ "$mem" -le 6291456 ] && [ "$mem" -ge 5976883 ]; then
	pass "--mem 6G gives MemTotal ${mem} kB (RAM above and below the PCI hole)"
else
	fail "--mem 6G" "status $VM_STATUS, MemTotal '$mem' kB"
	show_log "$T/core-6g.log"
fi

# Interactive mode fed from a pipe: commands reach the guest shell, their
# output comes back on stdout, `poweroff` ends the VM with status 0.
printf 'echo "PIPE-$((6 * 7))-$(uname -m)"\npoweroff\n' |
	timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--append "$GUEST_CMDLINE" >"$T/pipe.log" 2>"$T/pipe.err"
VM_STATUS=$?
if [ "$VM_STATUS" = 0 ] && tr -d '\r' <"$T/pipe.log" | grep -q '^PIPE-42-x86_64$'; then
	pass "a command piped to the guest shell runs; poweroff exits 0"
else
	fail "piped shell" "status $VM_STATUS"
	show_log "$T/pipe.log"
	show_log "$T/pipe.err"
fi

# SIGTERM while the guest runs, with --shutdown-timeout 0 (no power button,
# 40-power.sh tests that): orderly stop, status 128+15, nothing left.
mkfifo "$T/hold"
"$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --boot-time --shutdown-timeout 0 \
	--append "$GUEST_CMDLINE" <"$T/hold" >"$T/sigterm.log" 2>"$T/sigterm.err" &
pid=$!
exec 9>"$T/hold" # keep the guest's stdin open: EOF must not be what stops it
i=0
while [ $i -lt "$VM_TIMEOUT" ] && ! grep -q boot-time-ms "$T/sigterm.err"; do
	sleep 1
	i=$((i + 1))
done
kill -TERM "$pid"
i=0
while [ $i -lt 20 ] && kill -0 "$pid" 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	fail "SIGTERM" "minivmm still running 20 s after SIGTERM"
else
	wait "$pid"
	st=$?
	if [ "$st" = 143 ] && grep -q boot-time-ms "$T/sigterm.err"; then
		pass "SIGTERM stops a running VM (status 143)"
	else
		fail "SIGTERM" "status $st"
		show_log "$T/sigterm.err"
	fi
fi
exec 9>&-
