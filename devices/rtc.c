#include "devices/rtc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/snapshot_file.h"

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

/* Registers computed from the clock: writes to them are dropped. */
static bool is_clock_register(unsigned reg)
{
	return reg <= REG_D || reg == REG_CENTURY;
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
		if (!is_clock_register(r->index))
			r->cmos[r->index] = data[0];
	} else {
		data[0] = rtc_register_at(r->cmos, r->index, time(NULL));
	}
	pthread_mutex_unlock(&r->lock);
}

/* The RTC as saved in its snapshot section. Fixed layout; multi-byte fields
 * would be little-endian like the host (minivmm is x86-64 only), but all are
 * bytes. The NMI-mask bit of the index port is not kept by the device, so
 * it is not here either. */
struct rtc_state {
	uint8_t index;		 /* 0..0x7f */
	uint8_t reserved[7];	 /* zero */
	uint8_t cmos[CMOS_SIZE]; /* plain CMOS bytes; clock registers stay zero */
};
_Static_assert(sizeof(struct rtc_state) == 8 + CMOS_SIZE, "rtc snapshot layout changed");

int rtc_snapshot(struct rtc *r, struct snap_writer *w, uint32_t instance)
{
	struct rtc_state st;

	memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&r->lock);
	st.index = r->index;
	memcpy(st.cmos, r->cmos, sizeof(st.cmos));
	pthread_mutex_unlock(&r->lock);
	return snap_put(w, SNAP_DEV_RTC, instance, &st, sizeof(st));
}

/* Refuse a state rtc_io() could never have produced. */
static int check_state(const struct rtc_state *st, struct err *e)
{
	if (st->index >= CMOS_SIZE)
		return err_set(e, EINVAL, "rtc: index register 0x%02x exceeds 0x%02x", st->index,
			       CMOS_SIZE - 1);
	for (size_t i = 0; i < sizeof(st->reserved); i++)
		if (st->reserved[i])
			return err_set(e, EINVAL, "rtc: reserved bytes are not zero");
	for (unsigned reg = 0; reg < CMOS_SIZE; reg++)
		if (is_clock_register(reg) && st->cmos[reg])
			return err_set(e, EINVAL,
				       "rtc: CMOS byte 0x%02x is a clock register but holds 0x%02x",
				       reg, st->cmos[reg]);
	return 0;
}

int rtc_restore(struct rtc *r, const struct snap_index *idx, uint32_t instance, struct err *e)
{
	struct rtc_state st;
	int ret;

	ret = snap_get_exact(idx, SNAP_DEV_RTC, instance, &st, sizeof(st), e);
	if (ret < 0)
		return err_wrap(e, "rtc");
	ret = check_state(&st, e);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&r->lock);
	r->index = st.index;
	memcpy(r->cmos, st.cmos, sizeof(r->cmos));
	pthread_mutex_unlock(&r->lock);
	return 0;
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
