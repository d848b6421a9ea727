# tools/lab boot, VM side: init has started (minivmm timed it via port 0x3f0);
# stay up two seconds so the host can sample the VMM's memory, then power off.
echo LAB-READY
sleep 2
exit 0
