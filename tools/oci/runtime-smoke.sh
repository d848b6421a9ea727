# The runtime alone, runc's command line, before any client: create, state,
# start, kill, delete on a busybox bundle. Sourced by tools/oci/box-run.sh
# with RT (the runtime's path), RTNAME, T (scratch), OCI_ROOTFS_TAR (rootfs tar).
# A runtime that fails here fails the clients too; its own words come first.
B=$T/rt-bundle
mkdir -p "$B/rootfs" "$T/rt-root"
tar -xf "$OCI_ROOTFS_TAR" -C "$B/rootfs"
cat >"$B/config.json" <<'JSON'
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ "sh", "-c", "echo started > /tmp/started; exec sleep 300" ],
    "env": [ "PATH=/usr/sbin:/usr/bin:/sbin:/bin" ],
    "cwd": "/"
  },
  "root": { "path": "rootfs" },
  "hostname": "oci-smoke",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "nodev" ] }
  ],
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" }, { "type": "uts" }, { "type": "network" } ]
  }
}
JSON
oci_cmd rt "$RT" --root "$T/rt-root"
rt_status() { rt state "$1" 2>/dev/null | tr -d ' \n' | grep -q "\"status\":\"$2\""; }
id=oci-smoke-1
if oci_check "$RTNAME create" 60 0 - rt create --bundle "$B" --pid-file "$T/rt.pid" "$id"; then
	if [ -s "$T/rt.pid" ] && kill -0 "$(cat "$T/rt.pid")" 2>/dev/null; then
		oci_pass "$RTNAME create --pid-file"
	else
		oci_fail "$RTNAME create --pid-file" "no live pid in $T/rt.pid"
	fi
	oci_check "$RTNAME state (created)" 30 0 - rt state "$id" &&
		{ rt_status "$id" created || { oci_fail "$RTNAME state is created" "$(tr -d '\n' <"$OCI_LOG")"; false; }; } &&
		oci_pass "$RTNAME state is created"
	oci_check "$RTNAME start" 60 0 - rt start "$id" &&
		if oci_wait 30 "$RTNAME state $id to say running" rt_status "$id" running; then
			oci_pass "$RTNAME state is running"
		else
			oci_fail "$RTNAME state is running" "$(rt state "$id" 2>&1 | tr -d '\n')"
		fi
	oci_check "$RTNAME kill KILL" 30 0 - rt kill "$id" KILL &&
		if oci_wait 30 "$RTNAME state $id to say stopped" rt_status "$id" stopped; then
			oci_pass "$RTNAME state is stopped"
		else
			oci_fail "$RTNAME state is stopped" "$(rt state "$id" 2>&1 | tr -d '\n')"
		fi
	oci_check "$RTNAME delete" 30 0 - rt delete "$id" &&
		if rt state "$id" >/dev/null 2>&1; then
			oci_fail "$RTNAME delete removes it" "state still answers for $id"
		else
			oci_pass "$RTNAME delete removes it"
		fi
fi
# Whatever failed above, leave nothing running for the clients' checks.
rt delete --force "$id" >/dev/null 2>&1
