#!/bin/sh
# Guest side of tools/bench/blk.sh: direct-I/O sequential write and read
# throughput and 4 KiB random-read IOPS on /dev/vda (blkbench).
# Kernel command line: mvblk.mib=N (MiB per sequential pass), mvblk.ios=N.
set -u
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^mvblk\.$1=//p" | head -n 1; }
mib=$(arg mib)
ios=$(arg ios)
[ -b /dev/vda ] || exit 10
echo "BENCH-BLK-SEQW-$(blkbench seqwrite /dev/vda "$mib")" || exit 11
echo "BENCH-BLK-SEQR-$(blkbench seqread /dev/vda "$mib")" || exit 12
echo "BENCH-BLK-RAND-$(blkbench randread /dev/vda "$ios")" || exit 13
exit 0
