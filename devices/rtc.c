#include "devices/rtc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define RTC_INDEX_PORT 0x70
#define CMOS_SIZE      128

enum {
	REG_SECONDS = 0x00,
	REG_MINUTES = 0x02,
	REG_HOURS = 0x04,
	REG_WEEKDAY = 0x06,
	REG_DAY = 0x07,
	REG_MONTH = 0x08,
	REG_YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	REG_C = 0x0c,
	REG_D = 0x0d,
	REG_CENTURY = 0x32,
};

#define REG_A_DIVIDER 0x26 /* 32.768 kHz time base, 1024 Hz rate; UIP clear */
#define REG_B_24H     0x02 /* 24-hour mode, BCD */
#define REG_D_VRT     0x80 /* valid RAM and time */

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[CMOS_SIZE]; /* plain CMOS bytes; clock registers computed */
};

static uint8_t bcd(unsigned v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

uint8_t rtc_register_at(const uint8_t *cmos, unsigned reg, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (reg) {
	case REG_SECONDS: return bcd((unsigned)tm.tm_sec);
	case REG_MINUTES: return bcd((unsigned)tm.tm_min);
	case REG_HOURS: return bcd((unsigned)tm.tm_hour);
	case REG_WEEKDAY: return bcd((unsigned)tm.tm_wday + 1);
	case REG_DAY: return bcd((unsigned)tm.tm_mday);
	case REG_MONTH: return bcd((unsigned)tm.tm_mon + 1);
	case REG_YEAR: return bcd((unsigned)(tm.tm_year % 100));
	case REG_CENTURY: return bcd((unsigned)(tm.tm_year + 1900) / 100);
	case REG_A: return REG_A_DIVIDER;
	case REG_B: return REG_B_24H;
	case REG_C: return 0; /* no interrupt flags: we raise none */
	case REG_D: return REG_D_VRT;
	default: return reg < CMOS_SIZE ? cmos[reg] : 0xff;
	}
}

static void rtc_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct rtc *r = opaque;

	if (len != 1)
		return;
	pthread_mutex_lock(&r->lock);
	if (offset == 0) {
		if (is_write)
			r->index = data[0] & 0x7f; /* bit 7 is the NMI mask */
		else
			data[0] = r->index;
	} else if (is_write) {
		/* Clock registers are read-only here: the guest cannot set the
		 * host's time. Plain CMOS bytes keep what is written. */
		if (r->index >= 0x0e && r->index != REG_CENTURY)
			r->cmos[r->index] = data[0];
	} else {
		data[0] = rtc_register_at(r->cmos, r->index, time(NULL));
	}
	pthread_mutex_unlock(&r->lock);
}

int rtc_create(struct vm *vm, struct rtc **out, struct err *e)
{
	struct rtc *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return err_set(e, ENOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	ret = bus_register(&vm->io_bus, RTC_INDEX_PORT, 2, rtc_io, r, "rtc", e);
	if (ret < 0) {
		rtc_destroy(r);
		return ret;
	}
	*out = r;
	return 0;
}

void rtc_destroy(struct rtc *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}
