/* Linux TAP interfaces as virtio-net backends: open (creating it when it
 * does not exist) with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, a 12-byte
 * virtio-net v1 header on every frame, non-blocking, link up; and the
 * offload negotiation (TUNSETOFFLOAD) the device model drives. */
#ifndef MINIVMM_TAP_H
#define MINIVMM_TAP_H

#include <net/if.h>
#include <stdbool.h>

#include "common/err.h"

/* struct virtio_net_hdr_mrg_rxbuf: what the TAP prepends to every frame. */
#define TAP_VNET_HDR_LEN 12

struct tap {
	int fd; /* -1 when closed */
	char name[IFNAMSIZ];
	bool offload; /* TUNSETOFFLOAD works: csum/TSO may be offered */
};

/* Open or create TAP name. Errors say what to do: no /dev/net/tun (load the
 * tun module), no CAP_NET_ADMIN to create it (create it beforehand with
 * tools/netsetup), in use by another process, not a TAP. */
int tap_open(const char *name, struct tap *t, struct err *e);
void tap_close(struct tap *t);

/* Apply TUN_F_* offload flags (TUN_F_CSUM, TUN_F_TSO4, ...): which
 * offloaded frames the kernel may hand us. */
int tap_set_offload(int fd, unsigned flags, struct err *e);

#endif
