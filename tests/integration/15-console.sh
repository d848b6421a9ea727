# Console input is never lost: bytes piped into minivmm reach the guest's
# console in order, whatever the memory size and vCPU count, whether they were
# sent before the guest's serial driver was up or long after. The guest
# (tests/guest/console_read.sh) prints each line it reads as "GOT:<line>".
# Before the fix, 4 vCPUs or 6G lost early input: the 8250 probe briefly set
# IER with the port still closed, the bytes went in, and its FIFO clear
# threw them away.

# console_piped NAME INPUT minivmm-args...: INPUT piped in from the start.
console_piped() {
	name=$1 input=$2
	shift 2
	printf '%b' "$input" | timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" \
		--initrd "$INITRD" --append "$GUEST_CMDLINE minivmm.test=console_read" "$@" \
		>"$T/$name.log" 2>"$T/$name.err"
	VM_STATUS=$?
}

# got NAME: the lines the guest read back, joined by spaces.
got() {
	tr -d '\r' <"$T/$1.log" | sed -n 's/^GOT://p' | tr '\n' ' '
}

for shape in "4 512M" "1 6G"; do
	set -- $shape
	console_piped "con-$1-$2" 'line-one\nline-two\nend\n' --cpus "$1" --mem "$2"
	if [ "$VM_STATUS" = 0 ] && [ "$(got "con-$1-$2")" = "line-one line-two end " ]; then
		pass "piped input reaches the guest in order with --cpus $1 --mem $2"
	else
		fail "piped input, --cpus $1 --mem $2" "status $VM_STATUS, guest read '$(got "con-$1-$2")'"
		show_log "$T/con-$1-$2.log"
		show_log "$T/con-$1-$2.err"
	fi
done

# Early and late: one line before the kernel has even probed the UART, one
# after the guest said it is reading, on the biggest shape.
rm -f "$T/con-in"
mkfifo "$T/con-in"
timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --cpus 4 --mem 6G \
	--append "$GUEST_CMDLINE minivmm.test=console_read" <"$T/con-in" >"$T/con-late.log" 2>"$T/con-late.err" &
pid=$!
exec 9>"$T/con-in"
# In subshells: if minivmm has died, the write's SIGPIPE ends only them, not
# the suite, and the check below says what happened.
(printf 'sent-at-start\n' >&9) 2>/dev/null
i=0
while [ $i -lt "$VM_TIMEOUT" ] && kill -0 $pid 2>/dev/null &&
	! tr -d '\r' <"$T/con-late.log" | grep -q '^GOT:sent-at-start$'; do
	sleep 1
	i=$((i + 1))
done
(printf 'sent-later\nend\n' >&9) 2>/dev/null
wait $pid
VM_STATUS=$?
exec 9>&-
if [ "$VM_STATUS" = 0 ] && [ "$(got con-late)" = "sent-at-start sent-later end " ]; then
	pass "input sent before the serial driver is up and input sent later both arrive (--cpus 4 --mem 6G)"
else
	fail "early and late console input" "status $VM_STATUS after waiting ${i} s for the guest to read the first line; guest read '$(got con-late)'"
	show_log "$T/con-late.log"
	show_log "$T/con-late.err"
fi

# Output from every vCPU at once through the interrupt-driven tty path: every
# line of every writer arrives (a lost THRE edge stalls the transmitter; a
# dropped byte breaks a line). A kernel message may land inside a line (printk
# does not wait for the tty): such a line counts when its ID is there and the
# only foreign text in it is that message.
timeout -k 15 "$VM_TIMEOUT" "$MINIVMM" -v --kernel "$KERNEL" --initrd "$INITRD" --cpus 4 --mem 256M \
	--no-reboot --append "$GUEST_CMDLINE minivmm.test=console_flood" </dev/null >"$T/con-flood.log" 2>"$T/con-flood.err"
VM_STATUS=$?
FLOOD_LINE='FLOOD-[0-3]-[0-9]* padding-to-make-the-line-longer-than-the-uart-fifo-0123456789'
tr -d '\r' <"$T/con-flood.log" >"$T/con-flood.txt"
ids=$(grep -o 'FLOOD-[0-3]-[0-9]* ' "$T/con-flood.txt" | sort -u | wc -l)
whole=$(grep -c "^$FLOOD_LINE\$" "$T/con-flood.txt")
# Lines with a FLOOD ID that are not whole and hold no kernel message.
grep 'FLOOD-' "$T/con-flood.txt" | grep -v "^$FLOOD_LINE\$" | grep -v '\[ *[0-9]*\.[0-9]*\]' >"$T/con-flood.bad"
if [ "$VM_STATUS" = 0 ] && [ "$ids" = 600 ] && [ ! -s "$T/con-flood.bad" ] &&
	grep -q '^console_flood: done' "$T/con-flood.txt"; then
	pass "4 vCPUs flooding the serial console: all 600 lines arrive ($whole whole, the rest split only by a kernel message)"
else
	fail "serial flood from 4 vCPUs" "status $VM_STATUS, $ids of 600 line IDs, $whole lines whole; broken lines: $(head -c 600 "$T/con-flood.bad")"
	grep -v "^$FLOOD_LINE\$" "$T/con-flood.txt" >"$T/con-flood.other"
	show_log "$T/con-flood.other"
	show_log "$T/con-flood.err"
fi
