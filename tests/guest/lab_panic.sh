# tools/lab isolation, VM side: crash this guest's kernel on purpose. With
# panic=-1 the kernel reboots at once and minivmm exits; the host is untouched.
echo LAB-PANIC-NOW
echo c >/proc/sysrq-trigger
echo LAB-PANIC-SURVIVED
exit 3
