/* Fake interrupt plumbing for device tests: vm_irq_ops that record every
 * line change and MSI, so a test (or the mock virtio driver) can wait, with
 * a timeout, for an interrupt sent from a device's I/O thread. ioeventfd can
 * be made to fail with -ENOSYS, to test the MMIO notify fallback. One
 * recorder for the whole process: one VM per test at a time. */
#ifndef MINIVMM_MOCK_FAKE_IRQ_H
#define MINIVMM_MOCK_FAKE_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define FAKE_IRQ_WAIT_S 5
#define FAKE_IRQ_GSIS	32

/* Point vm's interrupt ops at the recorder and forget what it saw; ioeventfd
 * binding works (counted) until fake_irq_ioeventfd_enosys(true). */
void fake_irq_install(struct vm *vm);
void fake_irq_ioeventfd_enosys(bool on);

unsigned fake_irq_msis(void);	  /* MSIs delivered so far */
uint64_t fake_irq_msi_addr(void); /* the last MSI's address and data */
uint32_t fake_irq_msi_data(void);
int fake_irq_level(unsigned gsi);   /* current level of a line */
unsigned fake_irq_ioeventfds(void); /* eventfds bound right now */

/* Wait until more than `seen` MSIs arrived (gsi < 0) or line gsi is high;
 * false after FAKE_IRQ_WAIT_S seconds. */
bool fake_irq_wait(unsigned seen, int gsi);

#endif
