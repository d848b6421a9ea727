/* Scope-bound cleanup helpers (__attribute__((cleanup))), so early returns
 * never leak file descriptors or memory. */
#ifndef MINIVMM_CLEANUP_H
#define MINIVMM_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_	__attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))

/* Hand ownership out of a cleanup-managed variable. */
static inline int take_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

static inline void *take_ptr(void *pp)
{
	void **p = pp;
	void *r = *p;
	*p = NULL;
	return r;
}

#endif
