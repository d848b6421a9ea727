# Disks: the stock kernel's virtio_pci + virtio_blk drivers on our devices.
# Every check reads what the guest printed or what landed in the image file.

blk_zero_image() { # PATH SIZE_KIB
	dd if=/dev/zero of="$1" bs=1024 count="$2" 2>/dev/null
}
blk_md5() { md5sum "$1" | cut -d' ' -f1; }

# 1. A known pattern written by the guest is exactly what the file holds.
blk_zero_image "$T/pattern.img" 4096
yes minivmm-blk-pattern-0123456789abcdef | head -c 1048576 > "$T/pattern.want"
vm_test blk-pattern blk_pattern --disk "$T/pattern.img"
expect_status "guest writes, flushes and reads back a pattern on /dev/vda" 0 blk-pattern
if head -c 1048576 "$T/pattern.img" | cmp -s - "$T/pattern.want" &&
	[ "$(tail -c +1048577 "$T/pattern.img" | tr -d '\000' | wc -c)" = 0 ]; then
	pass "after exit the image holds exactly the guest's pattern"
else
	fail "pattern on the host" "image differs from what the guest wrote"
fi

# 2. An ext4 image built on the host (mke2fs -d) mounts and reads in the guest.
if [ -f build/fixtures/blk-ext4.img ] && [ -f build/fixtures/blk-ext4.md5 ]; then
	cp build/fixtures/blk-ext4.img "$T/ext4.img"
	vm_test blk-ext4 blk_ext4 --disk "$T/ext4.img"
	hello=$(log_value blk-ext4 BLK-EXT4-HELLO)
	md5=$(log_value blk-ext4 BLK-EXT4-MD5)
	back=$(log_value blk-ext4 BLK-EXT4-BACK)
	if [ "$VM_STATUS" = 0 ] && [ "$hello" = "hello from an ext4 image built on the host" ] &&
		[ "$md5" = "$(cat build/fixtures/blk-ext4.md5)" ] && [ "$back" = "written by the guest" ]; then
		pass "guest mounts a host-built ext4 image, reads 1 MiB intact, writes a file"
	else
		fail "ext4 image" "status $VM_STATUS hello='$hello' md5='$md5' back='$back'"
		show_log "$T/blk-ext4.log"
	fi
else
	fail "ext4 image" "fixture missing: run tests/integration/blk-fixtures.sh on the host"
fi

# 3. ro: the guest sees a read-only disk, its write fails, the file is unchanged.
yes read-only-disk-content | head -c 65536 > "$T/ro.img"
before=$(blk_md5 "$T/ro.img")
vm_test blk-ro blk_ro --disk "$T/ro.img,ro"
if [ "$VM_STATUS" = 0 ] && [ "$(log_value blk-ro BLK-RO-WRITE)" = refused ] &&
	[ "$(log_value blk-ro BLK-RO-HEAD)" = read-only-disk-c ] && [ "$(blk_md5 "$T/ro.img")" = "$before" ]; then
	pass "ro disk: guest write refused, reads work, host file unchanged"
else
	fail "ro disk" "status $VM_STATUS write='$(log_value blk-ro BLK-RO-WRITE)'"
	show_log "$T/blk-ro.log"
fi

# 4. Eight disks appear in command-line order with their serials (and a
#    default one), sizes and contents.
yes AAAAAAAA | head -c 1048576 > "$T/a.img"
yes BBBBBBBB | head -c 2097152 > "$T/b.img"
blk_zero_image "$T/c.img" 512
set -- --disk "$T/a.img,serial=first-disk" --disk "$T/b.img,serial=second-disk,cache=unsafe" \
	--disk "$T/c.img,ro"
for k in 4 5 6 7 8; do
	blk_zero_image "$T/d$k.img" $((k * 64))
	set -- "$@" --disk "$T/d$k.img,serial=disk-$k"
done
vm_test blk-disks blk_disks "$@"
sc=$(log_value blk-disks BLK-SERIAL-vdc)
if [ "$VM_STATUS" = 0 ] && [ "$(log_value blk-disks BLK-COUNT)" = 8 ] &&
	[ "$(log_value blk-disks BLK-SERIAL-vda)" = first-disk ] &&
	[ "$(log_value blk-disks BLK-SERIAL-vdb)" = second-disk ] &&
	[ "$(log_value blk-disks BLK-SERIAL-vdh)" = disk-8 ] &&
	[ "$(log_value blk-disks BLK-SECTORS-vda)" = 2048 ] &&
	[ "$(log_value blk-disks BLK-SECTORS-vdb)" = 4096 ] &&
	[ "$(log_value blk-disks BLK-SECTORS-vdc)" = 1024 ] &&
	[ "$(log_value blk-disks BLK-SECTORS-vdh)" = 1024 ] &&
	[ "$(log_value blk-disks BLK-FIRST-BYTES)" = "AAAAAAAABBBBBBBB" ] &&
	echo "$sc" | grep -Eq '^mvm[0-9a-f]{12}-2$'; then
	pass "eight disks appear as vda..vdh in order (serials, sizes, default serial $sc)"
else
	fail "disk order" "status $VM_STATUS count '$(log_value blk-disks BLK-COUNT)' serials '$(log_value blk-disks BLK-SERIAL-vda)' '$(log_value blk-disks BLK-SERIAL-vdb)' '$sc' '$(log_value blk-disks BLK-SERIAL-vdh)'"
	show_log "$T/blk-disks.log"
fi
set --

# 5. A second minivmm on a writable image in use is refused; kill -9 of the
#    first right after the guest's sync returns loses nothing.
blk_zero_image "$T/kill.img" 1024
yes minivmm-kill-after-sync-pattern | head -c 262144 > "$T/kill.want"
timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" \
	--console "file=$T/blk-kill.log" --disk "$T/kill.img" \
	--append "$GUEST_CMDLINE minivmm.test=blk_sync_hold" 2>"$T/blk-kill.err" &
blk_pid=$!
i=0
while [ $i -lt "$VM_TIMEOUT" ] && ! grep -q '^BLK-SYNCED=yes' "$T/blk-kill.log" 2>/dev/null; do
	kill -0 "$blk_pid" 2>/dev/null || break
	sleep 0.2
	i=$((i + 1))
done
synced=$(log_value blk-kill BLK-SYNCED)
[ "$synced" = yes ] && kill -KILL "$blk_pid" 2>/dev/null
wait "$blk_pid" 2>/dev/null
if [ "$synced" = yes ] && head -c 262144 "$T/kill.img" | cmp -s - "$T/kill.want"; then
	pass "kill -9 right after the guest's sync loses nothing"
else
	fail "kill -9 after sync" "synced='$synced'"
	show_log "$T/blk-kill.log"
	show_log "$T/blk-kill.err"
fi

# The second VMM: hold the image with a first one, then try again.
"$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --console "file=$T/blk-hold.log" \
	--disk "$T/kill.img" --append "$GUEST_CMDLINE minivmm.test=blk_sync_hold" \
	2>"$T/blk-hold.err" &
hold_pid=$!
sleep 1
timeout 60 "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --disk "$T/kill.img" \
	--append "$GUEST_CMDLINE" </dev/null >"$T/blk-second.log" 2>"$T/blk-second.err"
second=$?
alive=no
kill -0 "$hold_pid" 2>/dev/null && alive=yes
kill -KILL "$hold_pid" 2>/dev/null
wait "$hold_pid" 2>/dev/null
if [ "$second" != 0 ] && [ "$alive" = yes ] &&
	grep -q "kill.img is in use by another process" "$T/blk-second.err"; then
	pass "a second minivmm on a writable image in use is refused: $(head -n 1 "$T/blk-second.err")"
else
	fail "second minivmm" "status $second, first alive=$alive"
	show_log "$T/blk-second.err"
fi
