#include "tools/minictr/oci_console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "tools/minictr/pty.h"

/* sun_path holds 107 bytes; engines' socket paths can be longer. Connect
 * through "/proc/self/fd/N/<name>" with N the directory. */
static int connect_long(int s, const char *path, struct err *e)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	_cleanup_close_ int d = -1;
	int n;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return err_set(e, ENAMETOOLONG, "console socket %s: path too long", path);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if ((d = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(e, "console socket: open %s", dir);
	n = snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", d, slash + 1);
	if (n < 0 || (size_t)n >= sizeof(a.sun_path))
		return err_set(e, ENAMETOOLONG, "console socket %s: name too long", path);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return err_sys(e, "console socket: connect %s", path);
	return 0;
}

int oci_console_connect(const char *path, struct err *e)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	if (s < 0)
		return err_sys(e, "console socket: socket");
	if (strlen(path) >= sizeof(a.sun_path)) {
		if ((r = connect_long(s, path, e)) < 0)
			return r;
		return take_fd(&s);
	}
	strcpy(a.sun_path, path);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return err_sys(e, "console socket: connect %s", path);
	return take_fd(&s);
}

int oci_console_send(int sock, int master_fd, struct err *e)
{
	char name[] = OCI_CONSOLE_NAME; /* a copy: iov_base is not const */
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;
	ssize_t n;

	memset(&c, 0, sizeof(c));
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &master_fd, sizeof(int));
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, "console socket: send the terminal");
	return 0;
}

/* The slave by the master's own peer: no path lookup, so no question which
 * devpts /dev/pts is. Older kernels: by name. */
static int open_slave(int master, struct err *e)
{
	char name[64];
	int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return err_sys(e, "console: ptsname");
	if ((fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return err_sys(e, "console: open %s", name);
	return fd;
}

static int set_size(int master, unsigned rows, unsigned cols, struct err *e)
{
	struct winsize ws = { 0 };

	if (!rows && !cols)
		return 0;
	if (rows > USHRT_MAX || cols > USHRT_MAX)
		return err_set(e, EINVAL, "console size %ux%u: too large", rows, cols);
	ioctl(master, TIOCGWINSZ, &ws);
	if (rows)
		ws.ws_row = (unsigned short)rows;
	if (cols)
		ws.ws_col = (unsigned short)cols;
	if (ioctl(master, TIOCSWINSZ, &ws) < 0)
		return err_sys(e, "console: set the window size");
	return 0;
}

int oci_console_open(unsigned rows, unsigned cols, int *master, int *slave, struct err *e)
{
	_cleanup_close_ int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int s = -1;
	int r;

	if (m < 0)
		return err_sys(e, "console: open /dev/ptmx");
	if (grantpt(m) < 0 || unlockpt(m) < 0)
		return err_sys(e, "console: unlock the pseudo-terminal");
	if ((s = open_slave(m, e)) < 0)
		return s;
	if ((r = set_size(m, rows, cols, e)) < 0)
		return r;
	*master = take_fd(&m);
	*slave = take_fd(&s);
	return 0;
}

int oci_console_attach(int slave, struct err *e)
{
	if (getsid(0) != getpid() && setsid() < 0)
		return err_sys(e, "console: setsid");
	return pty_attach(slave, e);
}
