#include "tools/minictr/net.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdint.h>

#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"

int net_link_up(const char *name, struct err *e)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (fd < 0)
		return err_sys(e, "socket for %s", name);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return err_sys(e, "get flags of %s", name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return err_sys(e, "set %s up", name);
	return 0;
}

/* One rtnetlink request being built in a fixed buffer. */
struct nlreq {
	struct nlmsghdr *h;
	char buf[1024];
	int overflow;
};

static struct rtattr *attr_put(struct nlreq *q, unsigned short type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(q->h->nlmsg_len);
	struct rtattr *a = (struct rtattr *)(void *)(q->buf + at);

	if (at + RTA_SPACE(len) > sizeof(q->buf)) {
		q->overflow = 1;
		return NULL;
	}
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	q->h->nlmsg_len = (unsigned)(at + RTA_SPACE(len));
	return a;
}

static void attr_end(struct nlreq *q, struct rtattr *nest)
{
	if (nest)
		nest->rta_len = (unsigned short)(q->buf + q->h->nlmsg_len - (char *)nest);
}

static struct ifinfomsg *req_init(struct nlreq *q, unsigned short type, unsigned short flags)
{
	memset(q, 0, sizeof(*q));
	q->h = (struct nlmsghdr *)(void *)q->buf;
	q->h->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	q->h->nlmsg_type = type;
	q->h->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	q->h->nlmsg_seq = 1;
	struct ifinfomsg *ifi = NLMSG_DATA(q->h);
	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

/* Send and read the kernel's ACK; returns 0 or the negative errno it sent. */
static int req_send(struct nlreq *q, const char *what, struct err *e)
{
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char ack[1024];
	ssize_t n;

	if (q->overflow)
		return err_set(e, ENOSPC, "%s: netlink request too large", what);
	if (fd < 0)
		return err_sys(e, "%s: netlink socket", what);
	if (sendto(fd, q->buf, q->h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, "%s: netlink send", what);
	n = recv(fd, ack, sizeof(ack), 0);
	if (n < 0)
		return err_sys(e, "%s: netlink receive", what);
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)ack;
	if ((size_t)n < sizeof(*h) || !NLMSG_OK(h, (unsigned)n) || h->nlmsg_type != NLMSG_ERROR ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		return err_set(e, EPROTO, "%s: unexpected netlink reply", what);
	struct nlmsgerr *ne = NLMSG_DATA(h);
	if (ne->error) {
		errno = -ne->error;
		return err_sys(e, "%s", what);
	}
	return 0;
}

int net_veth_create(const char *host_name, const char *bridge, pid_t pid, struct err *e)
{
	unsigned bridge_index = if_nametoindex(bridge);
	struct nlreq q;
	struct ifinfomsg *ifi;
	int r;

	if (!bridge_index)
		return err_sys(e, "bridge %s", bridge);
	req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	attr_put(&q, IFLA_IFNAME, host_name, strlen(host_name) + 1);
	attr_put(&q, IFLA_MASTER, &bridge_index, sizeof(bridge_index));
	struct rtattr *linkinfo = attr_put(&q, IFLA_LINKINFO, NULL, 0);
	attr_put(&q, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = attr_put(&q, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *peer = attr_put(&q, VETH_INFO_PEER, NULL, 0);
	/* The peer's attributes follow its own ifinfomsg. */
	if (!q.overflow &&
	    NLMSG_ALIGN(q.h->nlmsg_len) + sizeof(struct ifinfomsg) <= sizeof(q.buf)) {
		memset(q.buf + NLMSG_ALIGN(q.h->nlmsg_len), 0, sizeof(struct ifinfomsg));
		q.h->nlmsg_len = NLMSG_ALIGN(q.h->nlmsg_len) + (unsigned)sizeof(struct ifinfomsg);
	} else {
		q.overflow = 1;
	}
	uint32_t nspid = (uint32_t)pid;
	attr_put(&q, IFLA_IFNAME, "eth0", 5);
	attr_put(&q, IFLA_NET_NS_PID, &nspid, sizeof(nspid));
	attr_end(&q, peer);
	attr_end(&q, data);
	attr_end(&q, linkinfo);
	if ((r = req_send(&q, "create veth pair", e)) < 0)
		return r;

	ifi = req_init(&q, RTM_NEWLINK, 0);
	ifi->ifi_index = (int)if_nametoindex(host_name);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if ((r = req_send(&q, "set veth up", e)) < 0) {
		struct err ignored;
		net_link_delete(host_name, &ignored);
		return r;
	}
	return 0;
}

/* Requests that carry another header than ifinfomsg after nlmsghdr. */
static void *req_init_raw(struct nlreq *q, unsigned short type, unsigned short flags, size_t hdr)
{
	struct ifinfomsg *unused = req_init(q, type, flags);

	(void)unused;
	memset(NLMSG_DATA(q->h), 0, hdr);
	q->h->nlmsg_len = (unsigned)NLMSG_LENGTH(hdr);
	return NLMSG_DATA(q->h);
}

int net_addr_add(const char *name, uint32_t addr, unsigned prefix, struct err *e)
{
	struct nlreq q;
	struct ifaddrmsg *ifa = req_init_raw(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
					     sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = if_nametoindex(name);
	if (!ifa->ifa_index)
		return err_sys(e, "interface %s", name);
	attr_put(&q, IFA_LOCAL, &addr, sizeof(addr));
	attr_put(&q, IFA_ADDRESS, &addr, sizeof(addr));
	return req_send(&q, "add address", e);
}

int net_route_default(uint32_t gw, struct err *e)
{
	struct nlreq q;
	struct rtmsg *rt = req_init_raw(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));

	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	attr_put(&q, RTA_GATEWAY, &gw, sizeof(gw));
	return req_send(&q, "add default route", e);
}

int net_link_delete(const char *name, struct err *e)
{
	struct nlreq q;
	int r;

	req_init(&q, RTM_DELLINK, 0);
	attr_put(&q, IFLA_IFNAME, name, strlen(name) + 1);
	r = req_send(&q, "delete link", e);
	return r == -ENODEV ? 0 : r;
}
