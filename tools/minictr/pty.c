#include "tools/minictr/pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"

int pty_open(struct pty *p, struct err *e)
{
	struct winsize ws;

	p->slave = -1;
	p->raw = false;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0)
		return err_sys(e, "open a pseudo-terminal");
	if (grantpt(p->master) < 0 || unlockpt(p->master) < 0)
		return err_sys(e, "unlock the pseudo-terminal");
	/* Its own fd, not a path: the container cannot look up the host's /dev/pts. */
	p->slave = ioctl(p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (p->slave < 0)
		return err_sys(e, "open the pseudo-terminal's peer");
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(p->master, TIOCSWINSZ, &ws);
	if (tcgetattr(STDIN_FILENO, &p->saved) == 0) {
		struct termios raw = p->saved;
		cfmakeraw(&raw);
		/* The container's line discipline echoes and edits; ours must not. */
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			p->raw = true;
	}
	return 0;
}

int pty_attach(int slave, struct err *e)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(e, "make the pseudo-terminal the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_sys(e, "dup2 the pseudo-terminal");
	if (slave > 2)
		close(slave);
	return 0;
}

/* Copy what is readable on from to to; false at EOF or error. */
static bool pump(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static void drain(int master)
{
	struct pollfd p = { .fd = master, .events = POLLIN };

	while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN) && pump(master, STDOUT_FILENO))
		;
}

int pty_relay(struct pty *p, pid_t child, const sigset_t *set)
{
	_cleanup_close_ int sfd = signalfd(-1, set, SFD_CLOEXEC);
	bool in_open = true, out_open = true;
	int status = 0;

	for (;;) {
		struct pollfd f[3] = { { .fd = sfd, .events = POLLIN },
				       { .fd = out_open ? p->master : -1, .events = POLLIN },
				       { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN } };
		if (poll(f, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (f[1].revents && !pump(p->master, STDOUT_FILENO))
			out_open = false; /* EIO: every slave descriptor is closed */
		if (f[2].revents && !pump(STDIN_FILENO, p->master)) {
			in_open = false;
			/* End of our input is end of the container's: ^D on its line. */
			if (!p->raw && write(p->master, "\x04", 1) < 0)
				out_open = out_open && errno != EIO;
		}
		if (!(f[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGWINCH) {
			struct winsize ws;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(p->master, TIOCSWINSZ, &ws);
		} else if (si.ssi_signo != SIGCHLD) {
			kill(child, (int)si.ssi_signo);
		} else if (waitpid(child, &status, WNOHANG) == child) {
			drain(p->master);
			return status;
		}
	}
	waitpid(child, &status, 0);
	return status;
}

void pty_close(struct pty *p)
{
	if (p->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &p->saved);
	p->raw = false;
	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	p->master = p->slave = -1;
}
