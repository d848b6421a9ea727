# Network: virtio-net on TAP devices, in a network namespace this test creates
# (nothing outside it is addressed; link-local addresses only). Two VMs boot
# at once: A has two NICs (eth0 on the bridge tools/netsetup builds, with a
# configured MAC; eth1 on a TAP of its own with the default MAC), B has one
# NIC on the same bridge. Checked: the MACs, both NICs seen, guest <-> host
# ping on each NIC, A <-> B ping over the bridge, 16 MiB each way over TCP
# (HTTP) with matching checksums.

NET_NS=$T/netns
in_ns() { nsenter --net="$NET_NS" "$@"; }

: >"$NET_NS"
if ! unshare --net="$NET_NS" true; then
	fail "network namespace" "unshare --net=FILE failed"
else
	in_ns ip link set lo up
	mkdir -p "$T/www"
	dd if=/dev/urandom of="$T/www/h2g" bs=1M count=16 2>/dev/null
	h2g_md5=$(md5sum <"$T/www/h2g" | cut -d' ' -f1)
	# minivmm creates the TAPs; netsetup attaches them to the bridge once
	# they appear (busybox ip has no tuntap).
	in_ns tools/netsetup up --bridge mvbr0 --addr 169.254.10.1/24 --wait "$VM_TIMEOUT" \
		mvta0 mvtb0 >"$T/netsetup.log" 2>&1 || fail "netsetup up" "$(cat "$T/netsetup.log")"
	in_ns httpd -f -p 169.254.10.1:8080 -h "$T/www" &
	httpd_pid=$!

	in_ns timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--console "file=$T/net-a.log" --uuid 6d696e69-766d-4d00-8000-000000000a0a \
		--net tap=mvta0,mac=02:4d:56:00:00:0a --net tap=mvta1 -v \
		--append "$GUEST_CMDLINE minivmm.test=net_main mvnet.addrs=169.254.10.2/24,169.254.11.2/24 mvnet.ping=169.254.10.1,169.254.11.1,169.254.10.3 mvnet.xfer=169.254.10.1 mvnet.release=169.254.10.1" \
		2>"$T/net-a.err" &
	vm_a=$!
	in_ns timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--console "file=$T/net-b.log" --net tap=mvtb0 -v \
		--append "$GUEST_CMDLINE minivmm.test=net_main mvnet.addrs=169.254.10.3/24 mvnet.ping=169.254.10.2,169.254.10.1 mvnet.release=169.254.10.1" \
		2>"$T/net-b.err" &
	vm_b=$!

	# A's second NIC: a point-to-point TAP with its own host address.
	tap_host_up "$NET_NS" mvta1 169.254.11.1/24

	if wait_for_line "$T/net-a.log" '^NET-READY=1' "$VM_TIMEOUT"; then
		ok=1
		for ip in 169.254.10.2 169.254.11.2; do
			n=0
			until in_ns ping -c 1 -W 1 "$ip" >/dev/null 2>&1 || [ $n -gt 60 ]; do
				n=$((n + 1))
			done
			in_ns ping -c 3 -W 2 "$ip" >"$T/ping-$ip" 2>&1 || ok=0
		done
		if [ $ok = 1 ]; then
			pass "the host pings guest A on both NICs"
		else
			fail "host pings guest" "$(cat "$T"/ping-*)"
		fi
	else
		fail "guest A network up" "no NET-READY"
		show_log "$T/net-a.log"
		show_log "$T/net-a.err"
	fi

	if wait_for_line "$T/net-a.log" '^NET-G2H-MD5=' "$VM_TIMEOUT" &&
		in_ns wget -q -O "$T/g2h" http://169.254.10.2:8080/g2h; then
		g2h_md5=$(md5sum <"$T/g2h" | cut -d' ' -f1)
		g2h_size=$(wc -c <"$T/g2h" | tr -d ' ')
		rm -f "$T/g2h"
	else
		g2h_md5=none g2h_size=0
	fi
	wait_for_line "$T/net-a.log" '^NET-DONE=1' "$VM_TIMEOUT"
	wait_for_line "$T/net-b.log" '^NET-DONE=1' "$VM_TIMEOUT"
	touch "$T/www/release"
	wait "$vm_a"
	st_a=$?
	wait "$vm_b"
	st_b=$?
	kill "$httpd_pid" 2>/dev/null
	in_ns tools/netsetup down --bridge mvbr0 >/dev/null 2>&1

	# Status 0 alone is not enough: a guest that resets (a triple fault) also
	# ends minivmm with 0. The guest must have said it got to the end.
	for g in a b; do
		VM_STATUS=$(eval echo "\$st_$g")
		[ "$VM_STATUS" = 0 ] && [ "$(log_value "net-$g" NET-DONE)" != 1 ] && VM_STATUS="0 without NET-DONE"
		G=$(echo "$g" | tr ab AB)
		expect_status "guest $G: every network step passed (status 0, NET-DONE)" 0 "net-$g"
	done

	mac0=$(log_value net-a NET-MAC-eth0)
	mac1=$(log_value net-a NET-MAC-eth1)
	if [ "$mac0" = 02:4d:56:00:00:0a ]; then
		pass "the guest gets the configured MAC ($mac0)"
	else
		fail "configured MAC" "eth0 has '$mac0'"
	fi
	# Default MAC: locally administered (bit 1 of the first octet), unicast
	# (bit 0 clear), and the one minivmm logged for net1.
	first=$(printf '%d' "0x${mac1%%:*}" 2>/dev/null || echo 1)
	if [ "$(log_value net-a NET-NICS)" = 2 ] && [ $((first & 3)) = 2 ] &&
		grep -q "net1: TAP mvta1, MAC $mac1" "$T/net-a.err"; then
		pass "a VM with two NICs sees both (eth1 default MAC $mac1)"
	else
		fail "two NICs" "NICS=$(log_value net-a NET-NICS) eth1=$mac1"
		show_log "$T/net-a.err"
	fi

	for p in 169.254.10.1 169.254.11.1; do
		if log_value net-a "NET-PING-$p" | grep -q '^ok'; then
			pass "guest A pings the host at $p ($(log_value net-a "NET-PING-$p"))"
		else
			fail "guest A pings $p" "no reply"
		fi
	done
	if log_value net-a NET-PING-169.254.10.3 | grep -q '^ok' &&
		log_value net-b NET-PING-169.254.10.2 | grep -q '^ok'; then
		pass "two VMs on one bridge reach each other"
	else
		fail "VM to VM over the bridge" "A->B '$(log_value net-a NET-PING-169.254.10.3)' B->A '$(log_value net-b NET-PING-169.254.10.2)'"
	fi

	if [ "$(log_value net-a NET-H2G-MD5)" = "$h2g_md5 size=16777216" ]; then
		pass "16 MiB host -> guest over TCP arrive intact (md5 $h2g_md5)"
	else
		fail "host -> guest 16 MiB" "guest got '$(log_value net-a NET-H2G-MD5)', want $h2g_md5"
	fi
	if [ "$g2h_md5" = "$(log_value net-a NET-G2H-MD5)" ] && [ "$g2h_size" = 16777216 ]; then
		pass "16 MiB guest -> host over TCP arrive intact (md5 $g2h_md5)"
	else
		fail "guest -> host 16 MiB" "host got $g2h_size bytes md5 $g2h_md5, guest sent $(log_value net-a NET-G2H-MD5)"
	fi
	grep -h 'net[0-9] (' "$T/net-a.err" "$T/net-b.err" | sed 's/^/     | /'
	rm -rf "$T/www"
	umount "$NET_NS" 2>/dev/null
fi
