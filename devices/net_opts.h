/* `--net tap=NAME[,mac=MAC]`: a pure parser (net_opts_parse) and the MAC
 * helpers, split from the side effects of opening the TAP (tap.c), so bad
 * options are rejected before anything is opened. */
#ifndef MINIVMM_NET_OPTS_H
#define MINIVMM_NET_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include <net/if.h>

#include "common/err.h"

#define NET_MAC_LEN	6
#define NET_MAC_STR_LEN 18 /* "xx:xx:xx:xx:xx:xx" + NUL */

struct net_config {
	char ifname[IFNAMSIZ]; /* the TAP interface, NUL-terminated */
	bool has_mac;	       /* mac= given; else net_default_mac() fills mac */
	uint8_t mac[NET_MAC_LEN];
};

/* Parse one --net argument into *out (fully reset). Errors: missing tap=,
 * empty or too long (>= IFNAMSIZ) or invalid interface name, bad MAC
 * (syntax, multicast, all zeroes), unknown or duplicate key. */
int net_opts_parse(const char *arg, struct net_config *out, struct err *e);

/* "52:54:00:12:34:56" (':' or '-' separators, hex digits, either case). A
 * NIC address must be unicast and not all zeroes. */
int net_parse_mac(const char *s, uint8_t mac[NET_MAC_LEN], struct err *e);
void net_format_mac(const uint8_t mac[NET_MAC_LEN], char out[NET_MAC_STR_LEN]);

/* The default MAC of NIC index (0-based) of the VM with this UUID: locally
 * administered, unicast, stable for a given UUID and index, and different
 * for every index of one VM. */
void net_default_mac(const unsigned char uuid[16], unsigned index, uint8_t mac[NET_MAC_LEN]);

#endif
