#!/bin/sh
# blk_ext4 — mount an ext4 image the host built (mke2fs -d), read its files,
# write one back, unmount cleanly.
set -u
[ -b /dev/vda ] || { echo "blk_ext4: no /dev/vda"; exit 10; }
mount -t ext4 /dev/vda /mnt || { echo "blk_ext4: mount failed"; exit 11; }
echo "BLK-EXT4-HELLO=$(cat /mnt/hello.txt)"
echo "BLK-EXT4-MD5=$(md5sum /mnt/random.bin | cut -d' ' -f1)"
echo "written by the guest" > /mnt/from-guest.txt || exit 12
umount /mnt || exit 13
mount -t ext4 -o ro /dev/vda /mnt || exit 14
echo "BLK-EXT4-BACK=$(cat /mnt/from-guest.txt)"
umount /mnt
exit 0
