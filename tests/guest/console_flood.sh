#!/bin/sh
# console_flood — every vCPU writes to the serial console at once: 4 writers
# (each pinned to a CPU where taskset exists), 150 numbered lines each (about
# 52 KB: a minute or two of emulated UART in kvmbox, well inside the test's
# timeout; 300 came within 5% of it), through the tty's interrupt-driven
# output (THRE). The host counts every line; a
# stalled transmitter would hang the writers (the test's timeout) or lose none
# but never finish.
set -u
n=150
for w in 0 1 2 3; do
	(
		cpu=$((w % $(nproc)))
		command -v taskset >/dev/null 2>&1 && taskset -p -c "$cpu" $$ >/dev/null 2>&1
		i=1
		while [ $i -le $n ]; do
			echo "FLOOD-$w-$i padding-to-make-the-line-longer-than-the-uart-fifo-0123456789"
			i=$((i + 1))
		done
	) &
done
wait
echo "console_flood: done"
