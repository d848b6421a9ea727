# The control API (--api-sock, docs/api.md), driven with build/vmctl: the
# socket's mode and life, GET /vm and /metrics, pause and resume of a guest
# that counts on its console, errors, concurrent and broken clients, the
# graceful and the hard stop, and a stale socket replaced. The helpers
# (api_vm, api, has, last_count, await_exit) are in lib.sh.

if ! api_vm api1; then
	fail "API: counting guest" "no COUNT=2 within $VM_TIMEOUT s"
	show_log "$T/api1.log"
	show_log "$T/api1.err"
	kill -KILL "$API_PID" 2>/dev/null
else
	mode=$(stat -c %a "$API" 2>/dev/null)
	if [ -S "$API" ] && [ "$mode" = 600 ]; then
		pass "--api-sock: a Unix socket with mode 600"
	else
		fail "--api-sock socket" "type/mode: $(ls -l "$API" 2>&1)"
	fi

	api vm GET /vm
	if [ "$API_STATUS" = 0 ] && has vm '"state":"running"' && has vm '"vcpus":2' &&
		has vm '"memory_mib":256' && has vm '"kernel_kind":"pvh"' &&
		has vm "\"path\":\"$T/api1.img\"" && has vm '"uptime_ms":[1-9]' &&
		grep -Eq '"uuid":"[0-9a-f-]{36}"' "$T/vm.json"; then
		pass "GET /vm: running, 2 vCPUs, 256 MiB, PVH kernel, the disk, a uuid, uptime"
	else
		fail "GET /vm" "$(cat "$T/vm.json")"
		show_log "$T/api1.err"
	fi

	api metrics GET /metrics
	if [ "$API_STATUS" = 0 ] && has metrics '"vm_exits":{[^}]*"total":[1-9]' &&
		grep -Eq '"disks":\[\{"id":"blk0","requests":[1-9][0-9]*,"read_bytes":[1-9]' "$T/metrics.json" &&
		has metrics '"console":{"dropped_bytes":0}'; then
		pass "GET /metrics: VM exits by reason, the disk's requests and bytes, console drops"
	else
		fail "GET /metrics" "$(cat "$T/metrics.json")"
	fi

	# Pause: the counter stops; a second pause is not an error; resume: it
	# goes on from the same value.
	api pause PUT /vm/pause
	pause_status=$API_STATUS
	sleep 1 # what the guest printed before it parked reaches the file
	before=$(last_count api1)
	api pause2 PUT /vm/pause
	pause2_status=$API_STATUS
	api paused GET /vm
	sleep 3
	after=$(last_count api1)
	if [ "$pause_status" = 0 ] && has pause '"state":"paused"' && [ "$pause2_status" = 0 ] &&
		has paused '"state":"paused"' && [ -n "$before" ] && [ "$before" = "$after" ]; then
		pass "PUT /vm/pause: the guest's counter stays at $before for 3 s; pausing again is fine"
	else
		fail "PUT /vm/pause" "status $pause_status/$pause2_status, count $before then $after: $(cat "$T/pause.json" "$T/paused.json")"
	fi
	api resume PUT /vm/resume
	next=$((before + 1))
	if [ "$API_STATUS" = 0 ] && has resume '"state":"running"' &&
		wait_for_line "$T/api1.log" "^COUNT=$((before + 3))\$" 60 &&
		tr -d '\r' <"$T/api1.log" | grep -q "^COUNT=$next\$"; then
		pass "PUT /vm/resume: the counter goes on from $before ($next, $((next + 1)), ...)"
	else
		fail "PUT /vm/resume" "status $API_STATUS, last count $(last_count api1): $(cat "$T/resume.json")"
	fi

	# Errors: JSON with a 4xx status, and the VM goes on.
	api nope GET /nope
	nope=$(head -n 1 "$T/nope.json")
	api wrong DELETE /vm
	wrong=$(head -n 1 "$T/wrong.json")
	printf 'GARBAGE\r\n\r\n' | "$VMCTL" --raw "$API" >"$T/garbage.out" 2>&1
	printf 'PUT /vm/pause HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n' |
		"$VMCTL" --raw "$API" >"$T/huge.out" 2>&1
	printf 'GET /vm HTTP/1.1\r\nHost: x\r\n' | "$VMCTL" --raw "$API" --half-close >"$T/half.out" 2>&1
	if echo "$nope" | grep -q ' 404 ' && has nope '"error":' && echo "$wrong" | grep -q ' 405 ' &&
		grep -q '^HTTP/1.1 400 ' "$T/garbage.out" && grep -q '^HTTP/1.1 413 ' "$T/huge.out" &&
		grep -q '^HTTP/1.1 400 ' "$T/half.out" && grep -q '"error":' "$T/half.out"; then
		pass "API errors: 404, 405, 400 (garbage), 413 (huge body), 400 (half a request, then half-closed), JSON error bodies"
	else
		fail "API errors" "404: '$nope' 405: '$wrong' garbage: '$(head -n 1 "$T/garbage.out")' huge: '$(head -n 1 "$T/huge.out")' half: '$(head -n 1 "$T/half.out")'"
	fi

	# 8 clients at once, and the VM keeps counting (tests/unit/
	# test_api_server.c holds half a request open meanwhile, and more).
	i=0
	while [ $i -lt 8 ]; do
		"$VMCTL" "$API" GET /vm >"$T/conc$i.json" 2>&1 &
		i=$((i + 1))
	done
	i=0
	ok=0
	while [ $i -lt 8 ]; do
		wait_for_line "$T/conc$i.json" '"state":"running"' 20 && ok=$((ok + 1))
		i=$((i + 1))
	done
	c1=$(last_count api1)
	sleep 1
	c2=$(last_count api1)
	if [ "$ok" = 8 ] && [ "$c2" -gt "$c1" ]; then
		pass "8 concurrent clients answered; the guest counts on"
	else
		alive=no
		kill -0 "$API_PID" 2>/dev/null && alive=yes
		fail "concurrent clients" "$ok of 8 answered; count $c1 then $c2; minivmm alive: $alive"
		show_log "$T/api1.err"
	fi

	# A second minivmm on a live socket: refused before it opens /dev/kvm.
	timeout -k 5 30 "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --api-sock "$API" \
		--console none </dev/null >/dev/null 2>"$T/second.err"
	second=$?
	if [ "$second" = 2 ] && grep -q 'another process.*serving' "$T/second.err"; then
		pass "a second minivmm on a live API socket: exit 2, $(cat "$T/second.err")"
	else
		fail "live socket" "status $second: $(cat "$T/second.err")"
	fi

	# Graceful shutdown: the power button, the guest powers off in order.
	api shutdown PUT /vm/shutdown
	await_exit 60
	if has shutdown '"state":"shutting-down"' && [ "$VM_STATUS" = 0 ] && [ ! -e "$API" ]; then
		pass "PUT /vm/shutdown: the guest powers off (status 0), the socket is removed"
	else
		fail "PUT /vm/shutdown" "status $VM_STATUS, socket $(ls -l "$API" 2>&1): $(cat "$T/shutdown.json")"
		show_log "$T/api1.err"
		# A seccomp kill names the system call here.
		dmesg | grep 'type=1326' | tail -n 3 | sed 's/^/     | /'
	fi
fi

# A hard stop (exit 120) on a paused VM.
if api_vm api2; then
	api p2 PUT /vm/pause
	api stop PUT /vm/stop
	await_exit 30
	if has stop '"state":"stopping"' && [ "$VM_STATUS" = 120 ] && [ ! -e "$API" ]; then
		pass "PUT /vm/stop on a paused VM: minivmm exits 120, the socket is removed"
	else
		fail "PUT /vm/stop" "status $VM_STATUS, socket $(ls -l "$API" 2>&1): $(cat "$T/stop.json")"
		show_log "$T/api2.err"
	fi
else
	fail "API: second counting guest" "no COUNT=2"
	kill -KILL "$API_PID" 2>/dev/null
fi

# A stale socket (minivmm and its remover killed) is replaced by the next one.
if api_vm api3; then
	kill -KILL "$API_PID" $(pidof minivmm-api-rm) 2>/dev/null
	wait "$API_PID" 2>/dev/null
	stale=no
	[ -S "$API" ] && stale=yes
	if api_vm api4; then
		api vm4 GET /vm
		stop_vm "$API_PID" 30
		if [ "$stale" = yes ] && has vm4 '"state":"running"'; then
			pass "a stale socket (minivmm and its remover killed) is replaced by the next minivmm"
		else
			fail "stale socket" "left behind: $stale; GET /vm: $(cat "$T/vm4.json")"
		fi
	else
		fail "stale socket" "the next minivmm did not start: $(cat "$T/api4.err")"
		kill -KILL "$API_PID" 2>/dev/null
	fi
else
	fail "API: third counting guest" "no COUNT=2"
	kill -KILL "$API_PID" 2>/dev/null
fi
