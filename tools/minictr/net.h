/* Container networking: loopback up, and a veth pair to a host bridge via
 * raw rtnetlink (no iproute2 needed inside small hosts). */
#ifndef MINICTR_NET_H
#define MINICTR_NET_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

/* Set interface NAME up in the caller's network namespace. */
int net_link_up(const char *name, struct err *e);
/* Create veth HOST_NAME <-> "eth0" with eth0 moved into the network
 * namespace of pid; attach HOST_NAME to bridge and set it up. */
int net_veth_create(const char *host_name, const char *bridge, pid_t pid, struct err *e);
/* Give NAME the IPv4 address addr/prefix (network order). */
int net_addr_add(const char *name, uint32_t addr, unsigned prefix, struct err *e);
/* Default route via gw (network order). */
int net_route_default(uint32_t gw, struct err *e);
/* Delete a link by name; a missing link is not an error. */
int net_link_delete(const char *name, struct err *e);

#endif
