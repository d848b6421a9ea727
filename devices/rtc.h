/* MC146818 CMOS real-time clock at ports 0x70/0x71: the host's UTC time in
 * BCD, never "update in progress", so the kernel's rtc_cmos driver and its
 * boot-time clock read succeed at once instead of timing out. */
#ifndef MINIVMM_RTC_H
#define MINIVMM_RTC_H

#include <stdint.h>
#include <time.h>

#include "vmm/vm.h"

struct rtc;

int rtc_create(struct vm *vm, struct rtc **out, struct err *e);
void rtc_destroy(struct rtc *r);

/* The value of CMOS register reg at time t (pure, for unit tests). */
uint8_t rtc_register_at(const uint8_t *cmos, unsigned reg, time_t t);

#endif
