#!/bin/sh
# blk_ro — /dev/vda is a read-only disk: the kernel marks it read-only,
# a write fails, reads still work.
set -u
[ -b /dev/vda ] || { echo "blk_ro: no /dev/vda"; exit 10; }
echo "BLK-RO-SYSFS=$(cat /sys/block/vda/ro)"
if dd if=/dev/zero of=/dev/vda bs=512 count=8 conv=fsync 2>/dev/null; then
	echo "BLK-RO-WRITE=succeeded"
	exit 11
fi
echo "BLK-RO-WRITE=refused"
echo "BLK-RO-HEAD=$(head -c 16 /dev/vda)"
[ "$(cat /sys/block/vda/ro)" = 1 ] || exit 12
exit 0
