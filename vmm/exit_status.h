/* minivmm's exit statuses, in one place (README "Exit statuses" is the same
 * table). Besides these, minivmm exits with the byte a guest writes to the
 * exit port (0-255) and with 128+N after signal N. */
#ifndef MINIVMM_EXIT_STATUS_H
#define MINIVMM_EXIT_STATUS_H

#define EXIT_POWEROFF	     0 /* the guest powered off (ACPI S5, exit port 0) */
#define EXIT_RUNTIME_FAILURE 1
#define EXIT_USAGE	     2 /* bad input, found before /dev/kvm is opened */
/* --timeout stopped the VM. Not 124: that is what timeout(1) returns inside
 * a guest script, which a guest may hand back through the exit port; 125-127
 * and 128+N are shell and signal conventions. */
#define EXIT_TIMEOUT	     121
#define EXIT_GUEST_PANIC     122 /* the guest kernel panicked (pvpanic) */
#define EXIT_GUEST_RESET     123 /* the guest reset the machine, --no-reboot */
/* PUT /vm/stop on the API socket stopped the VM (vmm/api.c). */
#define EXIT_API_STOP	     120
#define EXIT_SIGNAL_BASE     128

/* Not an exit status: the VM's stop request when the guest reset the
 * machine (reboot, ACPI reset, triple fault). minivmm boots it again, or
 * exits EXIT_GUEST_RESET with --no-reboot. */
#define VM_STOP_RESET (-1)

#endif
