/* -t: COMMAND on a pseudo-terminal of its own, like `docker run -t`. minictr
 * keeps the master and relays it to its own stdin and stdout; the container
 * never holds a descriptor of the caller's terminal. */
#ifndef MINICTR_PTY_H
#define MINICTR_PTY_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "common/err.h"

struct pty {
	int master, slave; /* -1 when closed */
	bool raw;	   /* our stdin was a terminal, put in raw mode */
	struct termios saved;
};

/* Open a pair, sized like our terminal when stdin is one. */
int pty_open(struct pty *p, struct err *e);
/* In the container, after setsid: the slave becomes the controlling terminal
 * and fds 0, 1, 2. */
int pty_attach(int slave, struct err *e);
/* Relay until child exits; set is the blocked signal set to forward (SIGCHLD
 * included). Returns the child's wait status. */
int pty_relay(struct pty *p, pid_t child, const sigset_t *set);
/* Restore our terminal and close what is open. */
void pty_close(struct pty *p);

#endif
