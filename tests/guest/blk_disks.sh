#!/bin/sh
# blk_disks — several disks appear as vda, vdb, ... in command-line order,
# with the serials and sizes the host gave them.
set -u
for d in vda vdb vdc; do
	[ -e /sys/block/$d ] || { echo "blk_disks: no $d"; exit 10; }
	echo "BLK-SERIAL-$d=$(cat /sys/block/$d/serial)"
	echo "BLK-SECTORS-$d=$(cat /sys/block/$d/size)"
done
echo "BLK-FIRST-BYTES=$(head -c 8 /dev/vda)$(head -c 8 /dev/vdb)"
exit 0
