/* MC146818 CMOS real-time clock at ports 0x70/0x71: the host's UTC time in
 * BCD, never "update in progress", so the kernel's rtc_cmos driver and its
 * boot-time clock read succeed at once instead of timing out. */
#ifndef MINIVMM_RTC_H
#define MINIVMM_RTC_H

#include <stdint.h>
#include <time.h>

#include "vmm/vm.h"

struct snap_index;
struct snap_writer;

struct rtc;

int rtc_create(struct vm *vm, struct rtc **out, struct err *e);
void rtc_destroy(struct rtc *r);

/* The value of CMOS register reg at time t (pure, for unit tests). */
uint8_t rtc_register_at(const uint8_t *cmos, unsigned reg, time_t t);

/* Save the index register and CMOS RAM as section SNAP_DEV_RTC (instance) of
 * w. The clock itself is the host's UTC, never settable by the guest: there
 * is no offset to save, and a restored guest reads the current time, as a
 * battery-backed clock kept running while the machine was off. */
int rtc_snapshot(struct rtc *r, struct snap_writer *w, uint32_t instance);
/* Restore them from idx: the section must exist with the exact size and
 * values the device could hold, or nothing changes and one line is left in
 * e. The RTC raises no interrupt and keeps no timer: nothing else to redo. */
int rtc_restore(struct rtc *r, const struct snap_index *idx, uint32_t instance, struct err *e);

#endif
