#!/bin/sh
# blk_sync_hold — write a pattern to /dev/vda, sync, say so, then wait to be
# killed: the host kills minivmm with SIGKILL right after the marker.
set -u
[ -b /dev/vda ] || { echo "blk_sync_hold: no /dev/vda"; exit 10; }
yes minivmm-kill-after-sync-pattern | head -c 262144 > /dev/vda || exit 11
sync
echo "BLK-SYNCED=yes"
while :; do sleep 10; done
