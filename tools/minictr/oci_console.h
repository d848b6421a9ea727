/* process.terminal for an OCI runtime: the container's pseudo-terminal is
 * made inside the container (its devpts) and its master handed to the
 * engine over --console-socket, as runc does; the engine (conmon,
 * containerd's shim) then owns the terminal's other end. */
#ifndef MINICTR_OCI_CONSOLE_H
#define MINICTR_OCI_CONSOLE_H

#include "common/err.h"

/* The name sent along with the master (runc sends the master's file name). */
#define OCI_CONSOLE_NAME "/dev/ptmx"

/* Connect to the engine's AF_UNIX SOCK_STREAM socket at path (a path longer
 * than sun_path is reached through its directory's descriptor). Returns the
 * descriptor (close-on-exec). */
int oci_console_connect(const char *path, struct err *e);
/* Send master_fd over sock with SCM_RIGHTS; the payload is
 * OCI_CONSOLE_NAME, as runc's (receivers use the descriptor, runc's own
 * RecvFd takes the payload for the file's name). */
int oci_console_send(int sock, int master_fd, struct err *e);
/* A new pseudo-terminal pair of the current mount namespace's /dev/ptmx
 * (after the container's devpts is mounted): the slave is the master's own
 * peer (TIOCGPTPEER, else ptsname_r and open), O_NOCTTY, both close-on-exec.
 * rows/cols: the window size, 0 = leave that one. */
int oci_console_open(unsigned rows, unsigned cols, int *master, int *slave, struct err *e);
/* In the container's init before exec: a new session (unless already its
 * leader), slave the controlling terminal and fds 0, 1, 2; slave is closed
 * when above 2. */
int oci_console_attach(int slave, struct err *e);

#endif
