#include "devices/net_opts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int net_parse_mac(const char *s, uint8_t mac[NET_MAC_LEN], struct err *e)
{
	uint8_t m[NET_MAC_LEN];
	const char *p = s;

	/* Exactly six two-digit groups with one separator style throughout. */
	for (unsigned i = 0; i < NET_MAC_LEN; i++) {
		int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);

		if (lo < 0)
			return err_set(e, EINVAL,
				       "bad MAC '%s': want six hex pairs like 52:54:00:12:34:56",
				       s);
		m[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i + 1 < NET_MAC_LEN) {
			if ((*p != ':' && *p != '-') || (i > 0 && *p != s[2]))
				return err_set(
					e, EINVAL,
					"bad MAC '%s': want six hex pairs like 52:54:00:12:34:56",
					s);
			p++;
		}
	}
	if (*p)
		return err_set(e, EINVAL, "bad MAC '%s': trailing characters", s);
	if (m[0] & 1)
		return err_set(e, EINVAL, "bad MAC '%s': a multicast address cannot be a NIC's", s);
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return err_set(e, EINVAL, "bad MAC '%s': all zeroes", s);
	memcpy(mac, m, NET_MAC_LEN);
	return 0;
}

void net_format_mac(const uint8_t mac[NET_MAC_LEN], char out[NET_MAC_STR_LEN])
{
	snprintf(out, NET_MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}

void net_default_mac(const unsigned char uuid[16], unsigned index, uint8_t mac[NET_MAC_LEN])
{
	/* FNV-1a over the UUID: the first five bytes name the VM, the last
	 * one adds the index, so one VM's NICs never collide. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (unsigned i = 0; i < 16; i++)
		h = (h ^ uuid[i]) * 0x100000001b3ULL;
	for (unsigned i = 0; i < NET_MAC_LEN; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* locally administered, unicast */
	mac[5] = (uint8_t)(mac[5] + index);
}

/* What the kernel accepts as an interface name (dev_valid_name), without
 * the "%d" template: we must know the name we get. */
static int check_ifname(const char *name, size_t len, struct err *e)
{
	if (len == 0)
		return err_set(e, EINVAL, "empty TAP name");
	if (len >= IFNAMSIZ)
		return err_set(e, ENAMETOOLONG,
			       "TAP name '%.*s' is too long (at most %d characters)", (int)len,
			       name, IFNAMSIZ - 1);
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return err_set(e, EINVAL, "TAP name '%.*s' is not allowed", (int)len, name);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == ':' || c == '%' || isspace(c) || !isprint(c))
			return err_set(e, EINVAL,
				       "TAP name '%.*s' has a character interface "
				       "names cannot have",
				       (int)len, name);
	}
	return 0;
}

int net_opts_parse(const char *arg, struct net_config *out, struct err *e)
{
	bool has_tap = false;
	const char *p = arg;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char val[64];
		int r;

		eq = memchr(p, '=', len);
		if (!eq)
			return err_set(e, EINVAL, "'%.*s': want KEY=VALUE (tap=NAME, mac=MAC)",
				       (int)len, p);
		size_t klen = (size_t)(eq - p), vlen = len - klen - 1;

		if (klen == 3 && !memcmp(p, "tap", 3)) {
			if (has_tap)
				return err_set(e, EINVAL, "tap= given twice");
			r = check_ifname(eq + 1, vlen, e);
			if (r < 0)
				return r;
			memcpy(out->ifname, eq + 1, vlen);
			out->ifname[vlen] = '\0';
			has_tap = true;
		} else if (klen == 3 && !memcmp(p, "mac", 3)) {
			if (out->has_mac)
				return err_set(e, EINVAL, "mac= given twice");
			if (vlen >= sizeof(val))
				return err_set(e, EINVAL, "bad MAC: too long");
			memcpy(val, eq + 1, vlen);
			val[vlen] = '\0';
			r = net_parse_mac(val, out->mac, e);
			if (r < 0)
				return r;
			out->has_mac = true;
		} else {
			return err_set(e, EINVAL, "unknown key '%.*s' (known: tap, mac)", (int)klen,
				       p);
		}
		p += len;
		if (*p == ',' && !*++p)
			return err_set(e, EINVAL, "trailing ','");
	}
	if (!has_tap)
		return err_set(e, EINVAL, "tap=NAME is required");
	return 0;
}
