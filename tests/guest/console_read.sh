#!/bin/sh
# console_read — read lines from the console (the VMM's stdin) and print each
# back as "GOT:<line>"; ends after the line "end" (status 0) or on EOF (3).
# Checked by the integration tests: piped input must reach the guest.
set -u
echo "console_read: ready"
while IFS= read -r line; do
	echo "GOT:$line"
	[ "$line" = end ] && exit 0
done
exit 3
