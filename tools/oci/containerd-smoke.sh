# containerd (Debian's) with its runc v2 shim running the runtime:
# `ctr run --runc-binary RT`. Sourced by tools/oci/box-run.sh with RT, RTNAME,
# T, OCI_IMAGE_TAR (an OCI image archive, localhost/oci-smoke:latest).
# containerd runs from a config in $T (root, state and sockets there too); the
# CRI plugin is off.
D=$T/containerd
mkdir -p "$D"
cat >"$D/config.toml" <<CONF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.sock.ttrpc"
CONF
containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 &
CTRD_PID=$!
oci_cmd C ctr --address "$D/containerd.sock" --namespace oci-smoke
IMG=localhost/oci-smoke:latest
task_status() { C task ls 2>/dev/null | grep -q "^$1 .*$2"; }
if ! oci_wait 60 "containerd's socket $D/containerd.sock (and ctr version)" C version; then
	oci_fail "containerd starts" "no answer in 60 s"
	oci_tail "$D/containerd.log"
elif oci_check "ctr image import" 120 0 - C image import "$OCI_IMAGE_TAR" &&
	oci_check "ctr image ls" 30 0 "$IMG" C image ls -q; then
	if ! oci_check "ctr run --rm --runc-binary ($RTNAME)" 120 0 hello C run --rm --runc-binary "$RT" "$IMG" smoke-1 echo hello; then
		echo "     | (the other ctr checks need a container that runs: not run)"
	else
		oci_check "ctr run: exit status" 120 5 - C run --rm --runc-binary "$RT" "$IMG" smoke-2 sh -c 'exit 5'
		if oci_check "ctr run -d" 120 0 - C run -d --runc-binary "$RT" "$IMG" smoke-3 \
			sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'; then
			if oci_wait 60 "ctr task ls to show smoke-3 RUNNING" task_status smoke-3 RUNNING; then
				oci_pass "ctr task ls: RUNNING"
			else
				oci_fail "ctr task ls: RUNNING" "$(C task ls 2>&1 | tr '\n' ' ')"
			fi
			oci_check "ctr task kill" 60 0 - C task kill smoke-3
			if oci_wait 60 "ctr task ls to show smoke-3 STOPPED" task_status smoke-3 STOPPED; then
				oci_pass "ctr task kill: STOPPED"
			else
				oci_fail "ctr task kill: STOPPED" "$(C task ls 2>&1 | tr '\n' ' ')"
			fi
			oci_check "ctr task delete" 60 0 - C task delete smoke-3
			oci_check "ctr container delete" 60 0 - C container delete smoke-3
		fi
		if oci_check "ctr run -d (for kill -s KILL)" 120 0 - C run -d --runc-binary "$RT" "$IMG" smoke-4 sleep 300; then
			oci_wait 60 "ctr task ls to show smoke-4 RUNNING" task_status smoke-4 RUNNING
			oci_check "ctr task kill -s SIGKILL" 60 0 - C task kill -s SIGKILL smoke-4
			oci_wait 60 "ctr task ls to show smoke-4 STOPPED" task_status smoke-4 STOPPED ||
				oci_fail "ctr task kill -s SIGKILL: STOPPED" "$(C task ls 2>&1 | tr '\n' ' ')"
			oci_check "ctr task delete (killed)" 60 0 - C task delete smoke-4
			C container delete smoke-4 >/dev/null 2>&1
		fi
	fi
fi
[ "$OCI_FAILED" = 0 ] || { echo "     | containerd's log:"; oci_tail "$D/containerd.log" 10; }
kill "$CTRD_PID" 2>/dev/null
oci_wait 20 "containerd to exit" sh -c "! kill -0 $CTRD_PID" || kill -9 "$CTRD_PID" 2>/dev/null
wait "$CTRD_PID" 2>/dev/null
