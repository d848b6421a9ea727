/* The container side: what the first process in the new namespaces does
 * before COMMAND runs, and the small init that stays PID 1. */
#ifndef MINICTR_CONTAINER_H
#define MINICTR_CONTAINER_H

#include <stdbool.h>
#include <time.h>

#include "tools/minictr/opts.h"

struct ctr_child {
	const struct ctr_opts *o;
	const char *lower;     /* image directory */
	int lower_fd;	       /* or a detached (idmapped) mount of it, -1 if none */
	const char *scratch;   /* host directory for the writable layer's tmpfs */
	int go_fd;	       /* read end: the parent writes one byte when ready */
	int tty_fd;	       /* -t: the pseudo-terminal's slave, else -1 */
	const int *vol_fds;    /* O_PATH fds of the volumes' host paths */
	struct timespec start; /* CLOCK_MONOTONIC at minictr start, for --boot-time */
	bool gid5_mapped;
};

/* Runs in the cloned child; returns the exit status for _exit(). */
int ctr_child_main(const struct ctr_child *c);

/* Milliseconds from start to now (CLOCK_MONOTONIC). */
double ctr_ms_since(const struct timespec *start);

#endif
