# minictr's OCI runtime commands driven by hand, as an engine would (the
# engines themselves and the OCI validation suite: tests/integration/oci.sh):
# the create/start split, state, kill, delete, run's exit status, exec, the
# six kinds of hooks in order, cgroup limits, refusals that name the field.
# Sourced by suite.sh inside tools/kvmbox (cgroup v2).
CTR=${CTR:-build/minictr}
OCI_ROOT=$T/oci-root
OCI_OUT=$T/oci-out
mkdir -p "$OCI_OUT"

# oci_bundle DIR ARGS-JSON [LINUX-EXTRA-JSON [TOP-LEVEL-EXTRA-JSON]]: a bundle
# over the guest's busybox root (read-only), with $OCI_OUT bound at /out.
oci_bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"root": { "path": "$(pwd)/build/guest/rootfs", "readonly": true },
	"hostname": "oci-test",
	"process": {
		"args": $2,
		"env": ["PATH=/bin:/sbin:/usr/bin"],
		"cwd": "/",
		"user": { "uid": 0, "gid": 0 },
		"capabilities": {
			"bounding": ["CAP_KILL", "CAP_CHOWN"],
			"effective": ["CAP_KILL", "CAP_CHOWN"],
			"permitted": ["CAP_KILL", "CAP_CHOWN"]
		},
		"noNewPrivileges": true
	},
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
		{ "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"] },
		{ "destination": "/out", "type": "bind", "source": "$OCI_OUT", "options": ["rbind", "rw"] }
	],
	"linux": {
		"namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "uts" },
				{ "type": "ipc" }, { "type": "network" } ],
		"maskedPaths": ["/proc/kcore"],
		"readonlyPaths": ["/proc/sys"]
		${3:+,$3}
	}
	${4:+,$4}
}
EOF
}

# oci CMD...: minictr with our state root; output in $T/oci.out, status in OCI_STATUS.
oci() {
	timeout 60 "$CTR" --root "$OCI_ROOT" "$@" >"$T/oci.out" 2>&1
	OCI_STATUS=$?
}

oci_state_has() { # ID PATTERN
	oci state "$1" && tr -d ' \n' <"$T/oci.out" | grep -q "$2"
}

# --- create, then start: the process waits in between ---
oci_bundle "$T/b1" '["/bin/sh", "-c", "echo started > /out/b1; hostname > /out/b1.host; exec sleep 60"]'
oci create --bundle "$T/b1" --pid-file "$T/b1.pid" b1
create_status=$OCI_STATUS
sleep 1
if [ "$create_status" = 0 ] && oci_state_has b1 '"status":"created"' && [ ! -e "$OCI_OUT/b1" ] &&
	[ -s "$T/b1.pid" ] && oci_state_has b1 "\"pid\":$(cat "$T/b1.pid")"; then
	pass "OCI create: state 'created', pid file written, the process has not run yet"
else
	fail "OCI create" "status $create_status: $(cat "$T/oci.out")"
fi
oci start b1
wait_for_line "$OCI_OUT/b1" '^started$' 30 >/dev/null 2>&1
if [ "$OCI_STATUS" = 0 ] && grep -qx started "$OCI_OUT/b1" 2>/dev/null &&
	grep -qx oci-test "$OCI_OUT/b1.host" && oci_state_has b1 '"status":"running"'; then
	pass "OCI start: the process runs (hostname oci-test), state 'running'"
else
	fail "OCI start" "status $OCI_STATUS: $(cat "$T/oci.out")"
fi
oci list
grep -q '^b1 .* running ' "$T/oci.out" && pass "OCI list shows b1 running" ||
	fail "OCI list" "$(cat "$T/oci.out")"

# --- exec in the running container ---
oci exec b1 /bin/sh -c 'echo "EXEC pid1=$(cat /proc/1/comm) host=$(hostname)"; exit 3'
if [ "$OCI_STATUS" = 3 ] && grep -q '^EXEC pid1=sleep host=oci-test$' "$T/oci.out"; then
	pass "OCI exec: a process in the container's namespaces (PID 1 is its sleep), exit status 3 passed on"
else
	fail "OCI exec" "status $OCI_STATUS: $(cat "$T/oci.out")"
fi

# --- refusals while running ---
oci delete b1
busy=$OCI_STATUS
grep -q 'is running' "$T/oci.out" && [ "$busy" = 1 ] &&
	pass "OCI delete of a running container is refused: $(cat "$T/oci.out")" ||
	fail "OCI delete while running" "status $busy: $(cat "$T/oci.out")"
oci create --bundle "$T/b1" b1
grep -q 'already exists' "$T/oci.out" && [ "$OCI_STATUS" = 1 ] &&
	pass "OCI create with a used ID is refused" ||
	fail "OCI create duplicate" "status $OCI_STATUS: $(cat "$T/oci.out")"

# --- kill, stopped, delete ---
oci kill b1 KILL
n=0
until oci_state_has b1 '"status":"stopped"' || [ $n -gt 50 ]; do
	sleep 0.2
	n=$((n + 1))
done
if oci_state_has b1 '"status":"stopped"' && ! grep -q '"pid"' "$T/oci.out"; then
	cg=$(sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p' "$OCI_ROOT/b1/state.json")
	oci delete b1
	if [ "$OCI_STATUS" = 0 ] && [ ! -e "$OCI_ROOT/b1" ] && [ ! -e "$cg" ]; then
		pass "OCI kill KILL: 'stopped'; delete removes the state and the cgroup"
	else
		fail "OCI delete" "status $OCI_STATUS: $(cat "$T/oci.out"); cgroup $cg"
	fi
else
	fail "OCI kill" "$(cat "$T/oci.out")"
fi

# --- run: the exit status, everything removed afterwards ---
oci_bundle "$T/b2" '["/bin/sh", "-c", "exit 7"]'
oci run --bundle "$T/b2" b2
[ "$OCI_STATUS" = 7 ] && [ ! -e "$OCI_ROOT/b2" ] &&
	pass "OCI run: the process's exit status (7) is minictr's; the container is deleted after" ||
	fail "OCI run" "status $OCI_STATUS: $(cat "$T/oci.out")"

# --- hooks, in the spec's order, each given the state on stdin ---
# The hook appends its name and the status in the state it was given.
cat >"$OCI_OUT/hook.sh" <<'EOF'
#!/bin/sh
st=$(tr -d ' \n' | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
echo "$1 $st" >>"$2"
EOF
chmod +x "$OCI_OUT/hook.sh"
hook() { # NAME [the directory the hook sees $OCI_OUT as]
	d=${2:-$OCI_OUT}
	printf '[{"path": "%s/hook.sh", "args": ["hook.sh", "%s", "%s/hooks.log"]}]' "$d" "$1" "$d"
}
oci_bundle "$T/b3" '["/bin/sh", "-c", "echo ran > /out/b3.ran"]' "" \
	"\"hooks\": {\"prestart\": $(hook prestart), \"createRuntime\": $(hook createRuntime), \"createContainer\": $(hook createContainer), \"startContainer\": $(hook startContainer /out), \"poststart\": $(hook poststart), \"poststop\": $(hook poststop)}"
: >"$OCI_OUT/hooks.log"
oci run --bundle "$T/b3" b3
got=$(tr '\n' ' ' <"$OCI_OUT/hooks.log")
want="prestart created createRuntime creating createContainer creating startContainer created poststart running poststop stopped "
# poststart may see the process already gone: 'stopped' is as right there.
alt=$(echo "$want" | sed 's/poststart running/poststart stopped/')
if [ "$OCI_STATUS" = 0 ] && { [ "$got" = "$want" ] || [ "$got" = "$alt" ]; } &&
	grep -qx ran "$OCI_OUT/b3.ran"; then
	pass "OCI hooks: prestart, createRuntime, createContainer, startContainer, poststart, poststop in order, each with the state ($got)"
else
	fail "OCI hooks" "status $OCI_STATUS; got '$got'; $(cat "$T/oci.out")"
fi

# --- cgroup limits from linux.resources ---
oci_bundle "$T/b4" '["/bin/true"]' \
	'"resources": { "memory": { "limit": 67108864 }, "pids": { "limit": 32 } }, "cgroupsPath": "/oci-test/b4"'
oci create --bundle "$T/b4" b4
cg_mem=$(cat /sys/fs/cgroup/oci-test/b4/memory.max 2>/dev/null)
cg_pids=$(cat /sys/fs/cgroup/oci-test/b4/pids.max 2>/dev/null)
oci start b4
sleep 1
oci delete --force b4
if [ "$cg_mem" = 67108864 ] && [ "$cg_pids" = 32 ] && [ ! -e /sys/fs/cgroup/oci-test/b4 ]; then
	pass "OCI linux.resources: memory.max 64 MiB and pids.max 32 in cgroupsPath /oci-test/b4, removed on delete"
else
	fail "OCI resources" "memory.max '$cg_mem', pids.max '$cg_pids'; $(cat "$T/oci.out")"
fi
rmdir /sys/fs/cgroup/oci-test 2>/dev/null

# --- refusals naming the field ---
oci_bundle "$T/b5" '["/bin/true"]' '"intelRdt": { "closID": "x" }'
oci create --bundle "$T/b5" b5
r1=$OCI_STATUS
grep -q 'linux.intelRdt' "$T/oci.out" && [ ! -e "$OCI_ROOT/b5" ]
ok1=$?
oci_bundle "$T/b6" '["/no/such/program"]'
oci create --bundle "$T/b6" b6
r2=$OCI_STATUS
grep -q '/no/such/program' "$T/oci.out" && [ ! -e "$OCI_ROOT/b6" ]
ok2=$?
if [ "$r1" = 1 ] && [ "$ok1" = 0 ] && [ "$r2" = 1 ] && [ "$ok2" = 0 ]; then
	pass "OCI create refuses what it does not support, naming the field, and a missing program; nothing left behind"
else
	fail "OCI refusals" "intelRdt: $r1, program: $r2: $(cat "$T/oci.out")"
fi

# --- spec writes a config create accepts ---
mkdir -p "$T/b7"
"$CTR" spec --bundle "$T/b7" && ln -s "$(pwd)/build/guest/rootfs" "$T/b7/rootfs" &&
	sed -i 's/"terminal": *true/"terminal": false/; s/"sh"/"true"/' "$T/b7/config.json"
oci run --bundle "$T/b7" b7
[ "$OCI_STATUS" = 0 ] && pass "OCI spec: the default config.json runs" ||
	fail "OCI spec" "status $OCI_STATUS: $(cat "$T/oci.out")"
