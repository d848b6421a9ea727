#include "devices/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "common/cleanup.h"

int tap_set_offload(int fd, unsigned flags, struct err *e)
{
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0)
		return err_sys(e, "TUNSETOFFLOAD 0x%x", flags);
	return 0;
}

static int attach(int fd, const char *name, struct err *e)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) == 0)
		return 0;
	switch (errno) {
	case EPERM:
		return err_set(e, EPERM,
			       "cannot open TAP %s: creating it (or using one another "
			       "user owns) needs CAP_NET_ADMIN; create it beforehand with "
			       "tools/netsetup up --user $USER",
			       name);
	case EBUSY: return err_set(e, EBUSY, "TAP %s is in use by another process", name);
	case EINVAL:
		return err_set(e, EINVAL,
			       "%s exists and is not a TAP interface with "
			       "virtio-net headers",
			       name);
	default: return err_sys(e, "cannot open TAP %s: TUNSETIFF", name);
	}
}

/* Administratively up, so frames flow as soon as the guest sends. Without
 * CAP_NET_ADMIN on an interface set up beforehand this is not ours to do. */
static int link_up(const char *name, struct err *e)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (s < 0)
		return err_sys(e, "socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return err_sys(e, "TAP %s: SIOCGIFFLAGS", name);
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0 && errno != EPERM)
		return err_sys(e, "TAP %s: cannot bring it up", name);
	return 0;
}

int tap_open(const char *name, struct tap *t, struct err *e)
{
	_cleanup_close_ int fd = -1;
	int hdr_len = TAP_VNET_HDR_LEN, r;

	t->fd = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return err_set(e, ENOENT,
			       "cannot open TAP %s: /dev/net/tun is missing "
			       "(load the tun module: modprobe tun)",
			       name);
	if (fd < 0 && errno == EACCES)
		return err_set(e, EACCES,
			       "cannot open TAP %s: /dev/net/tun is not accessible "
			       "to this user (most systems have it mode 0666)",
			       name);
	if (fd < 0)
		return err_sys(e, "cannot open TAP %s: /dev/net/tun", name);
	r = attach(fd, name, e);
	if (r < 0)
		return r;
	/* v1 header layout: virtio_net_hdr plus num_buffers, on every frame. */
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0)
		return err_sys(e, "TAP %s: TUNSETVNETHDRSZ", name);
	/* Probe what the kernel takes, then start with no offloads: the device
	 * enables the ones the guest negotiates. */
	t->offload = ioctl(fd, TUNSETOFFLOAD,
			   (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)) ==
		     0;
	r = tap_set_offload(fd, 0, e);
	if (r < 0)
		return err_wrap(e, "TAP %s", name);
	r = link_up(name, e);
	if (r < 0)
		return r;
	t->fd = take_fd(&fd);
	return 0;
}

void tap_close(struct tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
