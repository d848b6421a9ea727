# podman (Debian's) driving the runtime: `podman --runtime RT`. Sourced by
# tools/oci/box-run.sh with RT, RTNAME, T, OCI_ROOTFS_TAR (for podman import).
# The box has no systemd and no network but lo: cgroupfs, a file event log,
# --network none (so neither netavark nor CNI plugins are needed); storage,
# run and tmp dirs in $T.
D=$T/podman
mkdir -p "$D/vol"
cat >"$D/containers.conf" <<CONF
[containers]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$D/events.log"
runtime = "oci-under-test"
[engine.runtimes]
oci-under-test = [ "$RT" ]
CONF
printf '[storage]\ndriver = "overlay"\nrunroot = "%s/runroot"\ngraphroot = "%s/root"\n' "$D" "$D" >"$D/storage.conf"
: >"$D/registries.conf"
export CONTAINERS_CONF="$D/containers.conf" CONTAINERS_STORAGE_CONF="$D/storage.conf" \
	CONTAINERS_REGISTRIES_CONF="$D/registries.conf"
oci_cmd P podman --runtime "$RT" --root "$D/root" --runroot "$D/runroot" --tmpdir "$D/tmp" \
	--cgroup-manager cgroupfs --events-backend file --storage-driver overlay
IMG=localhost/oci-smoke:latest
R="run --rm --network none"

if ! oci_check "podman import" 120 0 - P import "$OCI_ROOTFS_TAR" "$IMG"; then
	:
elif ! oci_check "podman run --rm ($RTNAME)" 120 0 hello P $R "$IMG" echo hello; then
	echo "     | (the other podman checks need a container that runs: not run)"
else
	oci_check "podman run: exit status" 120 7 - P $R "$IMG" sh -c 'exit 7'
	oci_check "podman run -e" 120 0 value-of-foo P $R -e FOO=value-of-foo "$IMG" sh -c 'echo $FOO'
	echo from-host >"$D/vol/in"
	oci_check "podman run -v" 120 0 from-host P $R -v "$D/vol:/data" "$IMG" \
		sh -c 'cat /data/in && echo from-container >/data/out'
	if [ "$(cat "$D/vol/out" 2>/dev/null)" = from-container ]; then
		oci_pass "podman run -v: the write shows on the host"
	else
		oci_fail "podman run -v: the write shows on the host" "no $D/vol/out with 'from-container'"
	fi
	oci_check "podman run --memory" 120 0 67108864 P $R --memory 64m "$IMG" cat /sys/fs/cgroup/memory.max
	oci_check "podman run --pids-limit" 120 0 42 P $R --pids-limit 42 "$IMG" cat /sys/fs/cgroup/pids.max
	oci_check "podman run --network none" 120 0 lo P $R "$IMG" ls /sys/class/net
	[ "$(grep -cvx lo "$OCI_LOG")" = 0 ] || oci_fail "podman run --network none: only lo" "$(tr '\n' ' ' <"$OCI_LOG")"

	# A detached container: ps, logs, exec, stop, rm.
	running() { P ps --format '{{.Names}} {{.Status}}' | grep -q "^$1 Up"; }
	if oci_check "podman run -d" 120 0 - P run -d --network none --name smoke-d "$IMG" \
		sh -c 'echo started; trap "echo stopping; exit 0" TERM; while :; do sleep 1; done'; then
		if oci_wait 60 "podman ps to list smoke-d as Up" running smoke-d; then
			oci_pass "podman ps"
		else
			oci_fail "podman ps" "smoke-d is not Up"
			P ps -a 2>&1 | sed 's/^/     | /'
		fi
		oci_check "podman logs" 60 0 started P logs smoke-d
		oci_check "podman exec" 120 0 exec-ok P exec smoke-d sh -c 'echo exec-ok'
		oci_check "podman exec: exit status" 120 3 - P exec smoke-d sh -c 'exit 3'
		oci_check "podman stop" 120 0 - P stop -t 20 smoke-d
		oci_check "podman stop: the container exited on SIGTERM" 60 0 0 \
			P inspect --format '{{.State.ExitCode}}' smoke-d
		oci_check "podman rm" 60 0 - P rm smoke-d
	fi
	if oci_check "podman run -d (for kill)" 120 0 - P run -d --network none --name smoke-k "$IMG" sleep 300; then
		oci_wait 60 "podman ps to list smoke-k as Up" running smoke-k
		oci_check "podman kill" 60 0 - P kill smoke-k
		oci_check "podman kill: killed by SIGKILL (status 137)" 60 0 137 P wait smoke-k
		oci_check "podman rm (killed)" 60 0 - P rm smoke-k
	fi
fi
# Leave nothing behind for the next checks.
P rm -af -t 0 >/dev/null 2>&1
unset CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF
