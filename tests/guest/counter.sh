#!/bin/sh
# Guest side of 18-api.sh: read a little of the disk (so its counters move),
# then print an increasing counter, five a second, until the VM is shut down
# (or 100000 lines). Pausing the VM must stop it and resuming go on from the
# same value.
set -u
dd if=/dev/vda of=/dev/null bs=4096 count=16 2>/dev/null && echo "COUNTER-DISK-READ=1"
i=0
while [ $i -lt 100000 ]; do
	echo "COUNT=$i"
	i=$((i + 1))
	sleep 0.2
done
