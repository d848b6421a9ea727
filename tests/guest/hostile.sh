#!/bin/sh
# hostile — the guest attacks the VMM's emulated surface, then proves the VMM
# (and its virtio-blk device) still work. Runs as root with busybox and
# /bin/hostile_io (tests/guest/hostile_io.c: raw port, config and MMIO access).
#
#   0. unbind the PCI drivers: the kernel must not rely on devices we garble
#   1. garbage OUT then IN, 8, 16 and 32 bits wide, on the I/O ports: bytes on
#      every port, wider accesses on the first 4 KiB of ports and every 16th
#      port above. Not on the ports the guest needs to report back (exit
#      0xf4, COM1 0x3f8-0x3ff, boot signal 0x3f0), nor on those KVM emulates
#      in the kernel, which never reach the VMM but whose garbage kills the
#      guest (8259 PICs: a garbage vector base turns the timer IRQ into an
#      exception; PIT; ELCR; port B 0x61), nor on the ACPI power ports whose
#      writes power off, reset or report a panic by design (pvpanic 0x505,
#      sleep control 0x600, reset 0x602; 40-power tests them). 0xcf8-0xcff
#      gets phase 3. No 0xfe (reset) to the i8042 command port 0x64.
#   2. MMIO garbage into every page of every memory BAR (every byte of the
#      first 256 of a page, every 8th beyond, widths rotating 1/2/4/8) and
#      unclaimed MMIO pages (above RAM, in the PCI hole)
#   2b. a hostile driver: raw virtqueues on the disk with looping, out-of-RAM
#      and out-of-range chains, a corrupt avail index, rings outside RAM
#   3. PCI config mechanism #1 by hand: BARs set to all ones, RAM, the
#      IOAPIC, the LAPIC, other BARs, misaligned addresses; garbage at every
#      offset and width of every function; absent slots, other buses, random
#      0xcf8 values; then every BAR home and every header restored
#   4. check the BARs (through the kernel's sysfs) are where they were,
#      rebind the drivers, read the disk (the host put a pattern there), see
#      the NIC (if any) come back
# With hostile.quick on the kernel command line (the sanitizer smoke run),
# phases 1 and 2 sample more sparsely.
# The last line printed is HOSTILE-END=ok: a guest kernel that died on the
# way never prints it, so exit status 0 alone (panic=-1 reboots) proves nothing.
# Numbers (accesses made, centiseconds per phase) go out as KEY=value lines.
set -u
QUICK=$(grep -o 'hostile.quick' /proc/cmdline)
PATTERN=minivmm-hostile-disk
SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
echo "HOSTILE-SEED=$SEED"

cs() { tr -d . < /proc/uptime | cut -d' ' -f1; } # uptime in centiseconds
T0=$(cs)
phase() { # NAME: report how long the phase that just ended took
	t=$(cs)
	echo "HOSTILE-CS-$1=$((t - T0))"
	T0=$t
}
fail() { echo "HOSTILE-FAIL=$*"; exit 1; }
# io ARGS...: run hostile_io, add the access counts it prints to the totals.
PORT_WRITES=0 PORT_READS=0 MMIO_WRITES=0 MMIO_READS=0 CFG_WRITES=0 CFG_READS=0
io() {
	out=$(hostile_io "$@") || fail "hostile_io $*: $out"
	for kv in $out; do
		k=$(echo "${kv%%=*}" | tr - _) v=${kv#*=}
		case $k in *_WRITES|*_READS) eval "$k=\$((\$$k + v))" ;; esac
	done
}

DEVS=$(ls -d /sys/bus/pci/devices/* 2>/dev/null)
[ -n "$DEVS" ] || fail "no PCI devices"
command -v hostile_io >/dev/null || fail "no hostile_io in the guest"
[ -b /dev/vda ] || fail "no /dev/vda (run with --disk)"
[ "$(head -c ${#PATTERN} /dev/vda)" = "$PATTERN" ] || fail "disk lacks the host's pattern before the attack"
echo "HOSTILE-PCI-FUNCTIONS=$(echo "$DEVS" | wc -l)"

# --- 0. unbind drivers, save headers (MSI-X off now) ---------------------
for d in $DEVS; do
	if [ -e "$d/driver" ]; then
		basename "$(readlink "$d/driver")" > "/tmp/drv.${d##*/}"
		echo "${d##*/}" > "$d/driver/unbind" || fail "cannot unbind ${d##*/}"
	fi
	dd if="$d/config" of="/tmp/cfg.${d##*/}" bs=256 count=1 status=none
done
[ -b /dev/vda ] && fail "/dev/vda still there after unbinding"
phase unbind

# --- 1. I/O ports --------------------------------------------------------
# PIC 0x20-0x21, PIT 0x40-0x43, port B 0x61, PIC 0xa0-0xa1, exit 0xf4, boot
# signal 0x3f0, COM1 0x3f8-0x3ff, ELCR 0x4d0-0x4d1, PCI 0xcf8-0xcff.
EXCLUDED="0x20 0x21 0x40 0x41 0x42 0x43 0x61 0xa0 0xa1 0xf4 0x3f0
	0x3f8 0x3f9 0x3fa 0x3fb 0x3fc 0x3fd 0x3fe 0x3ff 0x4d0 0x4d1
	0xcf8 0xcf9 0xcfa 0xcfb 0xcfc 0xcfd 0xcfe 0xcff 0x505 0x600 0x602"
if [ -n "$QUICK" ]; then
	io ports 0 0x400 1 7 "$SEED" $EXCLUDED
	io ports 0x400 0x10000 64 7 "$SEED" $EXCLUDED
else
	io ports 0 0x10000 1 1 "$SEED" $EXCLUDED
	io ports 0 0x1000 1 6 "$SEED" $EXCLUDED
	io ports 0x1000 0x10000 16 6 "$SEED" $EXCLUDED
fi
echo "HOSTILE-PORT-WRITES=$PORT_WRITES"
echo "HOSTILE-PORT-READS=$PORT_READS"
phase ports

# --- 2. MMIO ------------------------------------------------------------
mmio_page() { # ADDR
	if [ -n "$QUICK" ]; then
		io mmio "$1" 64 1 "$SEED"
		io mmio "$1" 4096 64 "$SEED"
	else
		io mmio "$1" 256 1 "$SEED"
		io mmio "$1" 4096 8 "$SEED"
	fi
}
BARS=0
for d in $DEVS; do
	n=0
	while read -r start end flags; do
		n=$((n + 1))
		[ $((start)) -ne 0 ] && [ $((flags & 0x200)) -ne 0 ] && [ "$n" -le 6 ] || continue
		BARS=$((BARS + 1))
		a=$((start))
		while [ "$a" -le $((end)) ]; do
			mmio_page "$a"
			a=$((a + 4096))
		done
	done < "$d/resource"
done
# Unclaimed: above RAM (512 MiB), inside the PCI hole, at its top.
for a in 0x80000000 0xd0000000 0xfebff000; do
	mmio_page $((a))
done
echo "HOSTILE-BARS=$BARS"
echo "HOSTILE-MMIO-WRITES=$MMIO_WRITES"
echo "HOSTILE-MMIO-READS=$MMIO_READS"
phase mmio

# --- 2b. a hostile driver on raw virtqueues --------------------------------
# The virtio-blk function driven by hand through its BAR 0, with rings and
# buffers in the reserved area below 1 MiB (guest RAM to the VMM, not RAM to
# the guest kernel, so /dev/mem may write it): a real read; a read past the
# end of the disk (a well-formed request: completed with an I/O error); then,
# one at a time, malformed chains (a NEXT loop, a buffer outside RAM, a NEXT
# out of range, an indirect table that loops or lies outside RAM, no
# writable status byte), a corrupt avail index and rings outside RAM: each
# must put the device in NEEDS_RESET without completing anything, and after
# a reset the device must serve a real read again.
BLK=
for d in $DEVS; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1042 ] && BLK=$d && break
done
[ -n "$BLK" ] || fail "no virtio-blk PCI function"
read -r BAR0 _ < "$BLK/resource"
BAR0=$((BAR0))
# Accesses go through one hostile_io serve process and two FIFOs.
mkfifo /tmp/mmio.req /tmp/mmio.resp || fail "mkfifo"
hostile_io serve < /tmp/mmio.req > /tmp/mmio.resp &
exec 3> /tmp/mmio.req 4< /tmp/mmio.resp
acc() { # ADDR BITS [VALUE]: one access; a read prints the value (decimal)
	echo "$*" >&3
	read -r r <&4
	[ "$r" = error ] && fail "access $*"
	[ $# -eq 3 ] || echo "$r"
}
cc() { # OFF BITS [VALUE]: common config register (values may be negative: 2^64 wraps)
	acc $((BAR0 + $1)) "$2" ${3+$(($3))}
}
mem() { # ADDR BITS [VALUE]: guest memory below 1 MiB
	acc $(($1)) "$2" ${3+$(($3))}
}
DESC=0xa0000 AVAIL=0xa1000 USED=0xa2000 HDR=0xa3000 DATA=0xa4000 STATUS=0xa5000 IND=0xa6000
F_NEXT=1 F_WRITE=2 F_INDIRECT=4
desc() { # INDEX ADDR LEN FLAGS NEXT
	mem $((DESC + 16 * $1)) 64 "$2"
	mem $((DESC + 16 * $1 + 8)) 64 $(($3 | ($4 << 32) | ($5 << 48)))
}
queue_setup() { # DESC AVAIL USED SIZE: reset, negotiate, enable queue 0, DRIVER_OK
	cc 0x14 8 0
	[ "$(cc 0x14 8)" = 0 ] || fail "device status not 0 after reset"
	cc 0x14 8 3                                  # ACKNOWLEDGE | DRIVER
	cc 0x08 32 1; cc 0x0c 32 1                   # VERSION_1
	cc 0x08 32 0; cc 0x0c 32 $((1 << 28))        # INDIRECT_DESC
	cc 0x14 8 11                                 # | FEATURES_OK
	[ $(($(cc 0x14 8) & 8)) = 8 ] || fail "FEATURES_OK refused"
	cc 0x16 16 0; cc 0x18 16 "$4"
	cc 0x20 32 $(($1 & 0xffffffff)); cc 0x24 32 $(($1 >> 32))
	cc 0x28 32 $(($2 & 0xffffffff)); cc 0x2c 32 $(($2 >> 32))
	cc 0x30 32 $(($3 & 0xffffffff)); cc 0x34 32 $(($3 >> 32))
	cc 0x1c 16 1
	cc 0x14 8 15                                 # | DRIVER_OK
}
AVAIL_IDX=0
post() { # HEAD...: publish chains, notify, wait for the used index to follow
	for h in "$@"; do
		mem $((AVAIL + 4 + 2 * (AVAIL_IDX % 16))) 16 "$h"
		AVAIL_IDX=$((AVAIL_IDX + 1))
	done
	mem $((AVAIL + 2)) 16 $AVAIL_IDX
	cc 0x3000 16 0
	i=0
	while [ "$(mem $((USED + 2)) 16)" != $AVAIL_IDX ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(mem $((USED + 2)) 16)" = $AVAIL_IDX ] ||
		fail "used index $(mem $((USED + 2)) 16), want $AVAIL_IDX after chains $*"
}
fresh_queue() { # reset, an empty ring, set the queue up again
	AVAIL_IDX=0
	for a in $AVAIL $USED; do mem $a 64 0; done
	queue_setup $DESC $AVAIL $USED 16
}
refused() { # HEAD WHAT: the chain puts the device in NEEDS_RESET, completes nothing
	used0=$(mem $((USED + 2)) 16)
	mem $((AVAIL + 4 + 2 * (AVAIL_IDX % 16))) 16 "$1"
	AVAIL_IDX=$((AVAIL_IDX + 1))
	mem $((AVAIL + 2)) 16 $AVAIL_IDX
	cc 0x3000 16 0
	i=0
	while [ $(($(cc 0x14 8) & 0x40)) = 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ $(($(cc 0x14 8) & 0x40)) = 64 ] || fail "no NEEDS_RESET after $2"
	[ "$(mem $((USED + 2)) 16)" = "$used0" ] || fail "$2 was completed"
	fresh_queue
	real_read
}
real_read() { # a 512-byte read of sector 0 must bring the host's pattern
	mem $DATA 64 0
	mem $STATUS 8 0xff
	post 0
	[ "$(mem $STATUS 8)" = 0 ] || fail "real read: status $(mem $STATUS 8)"
	# "minivmm-" as a little-endian 64-bit load
	[ "$(mem $DATA 64)" = $((0x2d6d6d76696e696d)) ] ||
		fail "real read: data $(mem $DATA 64)"
}
for a in $DESC $AVAIL $USED $HDR $IND; do
	for o in 0 8 16 24 32 40 48 56; do mem $((a + o)) 64 0; done
done
queue_setup $DESC $AVAIL $USED 16
mem $HDR 64 0; mem $((HDR + 8)) 64 0                 # IN, sector 0
mem $((HDR + 16)) 64 0; mem $((HDR + 24)) 64 -1      # IN, sector 2^64-1
desc 0 $HDR 16 $F_NEXT 1
desc 1 $DATA 512 $((F_WRITE | F_NEXT)) 2
desc 2 $STATUS 1 $F_WRITE 0
real_read
desc 3 $HDR 16 $F_NEXT 3                             # loops on itself
desc 4 $HDR 16 $F_NEXT 5
desc 5 -4096 0xffffffff $((F_WRITE | F_NEXT)) 2      # outside RAM, wraps
desc 6 $((HDR + 16)) 16 $F_NEXT 1                    # past the end of the disk
desc 7 $IND 64 $F_INDIRECT 0                         # table below loops
desc 8 $IND 0xfffffff0 $F_INDIRECT 0                 # table outside RAM
desc 9 $HDR 16 $F_NEXT 99                            # next out of range
desc 10 $STATUS 1 0 0                                # no writable status byte
for k in 0 1 2 3; do
	mem $((IND + 16 * k)) 64 $HDR
	mem $((IND + 16 * k + 8)) 64 $((16 | (F_NEXT << 32) | (((k + 1) % 4) << 48)))
done
mem $STATUS 8 0xff
post 6
[ "$(mem $STATUS 8)" = 1 ] || fail "a read past the end of the disk: status $(mem $STATUS 8), want 1 (IOERR)"
[ $(($(cc 0x14 8) & 0x40)) = 0 ] || fail "NEEDS_RESET after a well-formed read past the end"
real_read
refused 3 "a NEXT loop"
refused 4 "a buffer outside RAM"
refused 7 "an indirect table that loops"
refused 8 "an indirect table outside RAM"
refused 9 "a NEXT out of range"
refused 10 "a request without a writable status byte"
# A corrupt avail index (more chains than the ring holds): NEEDS_RESET.
mem $((AVAIL + 2)) 16 $((AVAIL_IDX + 100))
cc 0x3000 16 0
i=0
while [ $(($(cc 0x14 8) & 0x40)) = 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ $(($(cc 0x14 8) & 0x40)) = 64 ] || fail "no NEEDS_RESET after a corrupt avail index"
# Rings outside RAM: enabling the queue must fail into NEEDS_RESET.
queue_setup 0xfffffffffffff000 0xffffffff00000000 $((0x100000000 - 4096)) 16
[ $(($(cc 0x14 8) & 0x40)) = 64 ] || fail "no NEEDS_RESET for rings outside RAM"
# And after a reset the device works again.
fresh_queue
real_read
cc 0x14 8 0
exec 3>&-
read -r served <&4
exec 4<&-
echo "HOSTILE-RING=ok"
echo "HOSTILE-RING-OPS=${served#SERVED=}"
phase rings

# --- 3. PCI config space ------------------------------------------------
io pci "$SEED"
echo "HOSTILE-CFG-WRITES=$CFG_WRITES"
echo "HOSTILE-CFG-READS=$CFG_READS"
phase config

# --- 4. recovery ----------------------------------------------------------
cfg_read32() { # DEV OFF: one config dword through the kernel (sysfs)
	v=$(dd if="$1/config" bs=4 count=1 skip=$(($2 / 4)) status=none | od -An -tx4 | tr -d ' ')
	echo "0x${v:-none}"
}
for d in $DEVS; do
	for off in 16 20 24 28 32 36; do
		want=0x$(dd if="/tmp/cfg.${d##*/}" bs=4 count=1 skip=$((off / 4)) status=none |
			od -An -tx4 | tr -d ' ')
		got=$(cfg_read32 "$d" "$off")
		[ "$want" = "$got" ] || fail "${d##*/} BAR at $off reads $got, saved $want"
	done
done
echo "HOSTILE-BARS-RESTORED=ok"
for d in $DEVS; do
	[ -f "/tmp/drv.${d##*/}" ] || continue
	echo "${d##*/}" > "/sys/bus/pci/drivers/$(cat "/tmp/drv.${d##*/}")/bind" ||
		fail "cannot rebind ${d##*/}"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -b /dev/vda ] || fail "no /dev/vda after rebinding"
got=$(dd if=/dev/vda bs=512 count=1 iflag=direct status=none | head -c ${#PATTERN})
[ "$got" = "$PATTERN" ] || fail "disk reads '$got' after the attack"
echo "HOSTILE-DISK=ok"
NIC=
for d in $DEVS; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1041 ] && NIC=$d
done
if [ -n "$NIC" ]; then
	i=0
	while [ -z "$(ls "$NIC"/virtio*/net 2>/dev/null)" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$(ls "$NIC"/virtio*/net 2>/dev/null)" ] || fail "no network interface after rebinding"
	echo "HOSTILE-NIC=ok"
fi
phase recovery

echo "HOSTILE-END=ok"
exit 0
