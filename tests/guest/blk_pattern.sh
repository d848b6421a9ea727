#!/bin/sh
# blk_pattern — write a known 1 MiB pattern to /dev/vda, flush it, drop the
# page cache and read it back from the device. The host then checks the
# image file holds exactly that pattern.
set -u
[ -b /dev/vda ] || { echo "blk_pattern: no /dev/vda"; exit 10; }
yes minivmm-blk-pattern-0123456789abcdef | head -c 1048576 > /tmp/pattern
dd if=/tmp/pattern of=/dev/vda bs=65536 conv=fsync 2>/dev/null || { echo "blk_pattern: write failed"; exit 11; }
sync
echo 3 > /proc/sys/vm/drop_caches
head -c 1048576 /dev/vda | cmp -s - /tmp/pattern || { echo "blk_pattern: read-back differs"; exit 12; }
echo "BLK-PATTERN=ok"
exit 0
