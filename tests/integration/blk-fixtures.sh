#!/bin/sh
# Host-side fixtures for 20-blk.sh, built before the suite (which may run
# inside tools/kvmbox, where only busybox exists): an ext4 image made with
# `mke2fs -d` holding a text file and 1 MiB of random bytes, plus that
# file's md5. Output: build/fixtures/blk-ext4.img and blk-ext4.md5.
set -eu
cd "$(dirname "$0")/../.."
OUT=build/fixtures
command -v mke2fs >/dev/null || { echo "blk-fixtures: mke2fs missing (make deps)" >&2; exit 1; }
mkdir -p "$OUT"
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
echo "hello from an ext4 image built on the host" > "$SRC/hello.txt"
head -c 1048576 /dev/urandom > "$SRC/random.bin"
md5sum "$SRC/random.bin" | cut -d' ' -f1 > "$OUT/blk-ext4.md5"
rm -f "$OUT/blk-ext4.img"
mke2fs -q -t ext4 -d "$SRC" -F "$OUT/blk-ext4.img" 16M >/dev/null
