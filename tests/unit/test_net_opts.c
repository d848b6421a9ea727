/* --net parsing, MAC parsing/formatting and the default MAC. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/net_opts.h"

static void tap_only(void **state)
{
	struct net_config c;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(net_opts_parse("tap=tap0", &c, &e), 0);
	assert_string_equal(c.ifname, "tap0");
	assert_false(c.has_mac);
	/* 15 characters is the longest name an interface can have. */
	assert_int_equal(net_opts_parse("tap=abcdefghijklmno", &c, &e), 0);
	assert_string_equal(c.ifname, "abcdefghijklmno");
}

static void tap_and_mac(void **state)
{
	struct net_config c;
	struct err e = { 0 };
	const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

	(void)state;
	assert_int_equal(net_opts_parse("tap=vm1,mac=52:54:00:AB:cd:eF", &c, &e), 0);
	assert_true(c.has_mac);
	assert_memory_equal(c.mac, want, 6);
	assert_int_equal(net_opts_parse("mac=52-54-00-ab-cd-ef,tap=vm1", &c, &e), 0);
	assert_memory_equal(c.mac, want, 6);
	assert_string_equal(c.ifname, "vm1");
}

#define BAD(arg, code, text)                                              \
	do {                                                              \
		struct err e_ = { 0 };                                    \
		struct net_config c_;                                     \
		assert_int_equal(net_opts_parse(arg, &c_, &e_), -(code)); \
		assert_non_null(strstr(e_.msg, text));                    \
	} while (0)

static void bad_options(void **state)
{
	(void)state;
	BAD("", EINVAL, "tap=NAME is required");
	BAD("mac=52:54:00:12:34:56", EINVAL, "tap=NAME is required");
	BAD("tap=", EINVAL, "empty TAP name");
	BAD("tap=abcdefghijklmnop", ENAMETOOLONG, "too long");
	BAD("tap=a/b", EINVAL, "character");
	BAD("tap=a b", EINVAL, "character");
	BAD("tap=tap%d", EINVAL, "character");
	BAD("tap=..", EINVAL, "not allowed");
	BAD("tap=t0,tap=t1", EINVAL, "twice");
	BAD("tap=t0,mac=52:54:00:12:34:56,mac=52:54:00:12:34:57", EINVAL, "twice");
	BAD("tap=t0,speed=10", EINVAL, "unknown key 'speed'");
	BAD("tap=t0,", EINVAL, "trailing");
	BAD("tap=t0,ro", EINVAL, "KEY=VALUE");
	BAD("tap=t0,mac=", EINVAL, "bad MAC");
}

#define BADMAC(s, text)                                               \
	do {                                                          \
		struct err e_ = { 0 };                                \
		uint8_t m_[6] = { 0 };                                \
		assert_int_equal(net_parse_mac(s, m_, &e_), -EINVAL); \
		assert_non_null(strstr(e_.msg, text));                \
	} while (0)

static void bad_macs(void **state)
{
	(void)state;
	BADMAC("52:54:00:12:34", "six hex pairs");
	BADMAC("52:54:00:12:34:56:78", "trailing");
	BADMAC("52:54:00:12:34:5g", "six hex pairs");
	BADMAC("525400123456", "six hex pairs");
	BADMAC("52:54-00:12:34:56", "six hex pairs");
	BADMAC("5:54:00:12:34:56", "six hex pairs");
	BADMAC("01:00:5e:00:00:01", "multicast");
	BADMAC("ff:ff:ff:ff:ff:ff", "multicast");
	BADMAC("00:00:00:00:00:00", "all zeroes");
}

static void format_round_trip(void **state)
{
	const uint8_t m[6] = { 0x02, 0x00, 0xde, 0xad, 0xbe, 0xef };
	char s[NET_MAC_STR_LEN];
	uint8_t back[6];
	struct err e;

	(void)state;
	net_format_mac(m, s);
	assert_string_equal(s, "02:00:de:ad:be:ef");
	assert_int_equal(net_parse_mac(s, back, &e), 0);
	assert_memory_equal(back, m, 6);
}

static void default_mac(void **state)
{
	unsigned char a[16], b[16];
	uint8_t m[8][6], again[6], other[6];

	(void)state;
	for (unsigned i = 0; i < 16; i++) {
		a[i] = (unsigned char)(i * 17 + 3);
		b[i] = a[i];
	}
	b[15] ^= 1;
	for (unsigned n = 0; n < 8; n++) {
		net_default_mac(a, n, m[n]);
		/* Locally administered, unicast. */
		assert_int_equal(m[n][0] & 0x03, 0x02);
		for (unsigned k = 0; k < n; k++)
			assert_memory_not_equal(m[n], m[k], 6);
	}
	/* Stable for the same UUID and index... */
	net_default_mac(a, 3, again);
	assert_memory_equal(again, m[3], 6);
	/* ...and different for another VM. */
	net_default_mac(b, 0, other);
	assert_memory_not_equal(other, m[0], 6);
	/* A known value (FNV-1a of 16 zero bytes, computed apart), so a change of the derivation is noticed (it would
	 * change every existing VM's MAC). */
	{
		char s[NET_MAC_STR_LEN];
		unsigned char z[16] = { 0 };

		net_default_mac(z, 0, again);
		net_format_mac(again, s);
		assert_string_equal(s, "66:64:ff:60:b9:1f");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tap_only),	     cmocka_unit_test(tap_and_mac),
		cmocka_unit_test(bad_options),	     cmocka_unit_test(bad_macs),
		cmocka_unit_test(format_round_trip), cmocka_unit_test(default_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
