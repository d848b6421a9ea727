#!/bin/sh
# Guest side of 18-api.sh and 19-snapshot.sh: read a little of the disk (so
# its counters move), then print an increasing counter, five a second, until
# the VM is shut down (or 100000 lines); every fifth value also goes to the
# disk's first sector, synced. Pausing the VM must stop the counter, resuming
# or restoring a snapshot go on from the same value. With mvcount.ip=A/P on
# the kernel command line, eth0 gets that address first (the host pings it
# before the snapshot and after the restore).
set -u
addr=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^mvcount\.ip=//p' | head -n 1)
if [ -n "$addr" ]; then
	ip addr add "$addr" dev eth0 && ip link set eth0 up && echo "COUNTER-NET=$addr"
fi
dd if=/dev/vda of=/dev/null bs=4096 count=16 2>/dev/null && echo "COUNTER-DISK-READ=1"
i=0
while [ $i -lt 100000 ]; do
	echo "COUNT=$i"
	if [ $((i % 5)) = 0 ]; then
		echo "DISK-COUNT=$i" | dd of=/dev/vda bs=512 count=1 conv=sync,fsync 2>/dev/null
	fi
	i=$((i + 1))
	sleep 0.2
done
