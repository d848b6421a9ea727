/* The control API's socket and thread (vmm/api.h). One thread serves up to
 * API_MAX_CONNS connections with poll(): it reads and parses requests
 * (vmm/http.c), routes them (vmm/api_route.c) and hands one call at a time
 * to the main thread through a one-slot mailbox (call_fd / done_fd), in the
 * order requests completed. Every connection has a deadline, so a client
 * that sends half a request, never reads its answer or just sits there
 * loses its slot instead of holding the API. */
#include "vmm/api.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "vmm/api_json.h"
#include "vmm/seccomp.h"

#define API_MAX_CONNS	    16
#define API_BACKLOG	    16
#define API_IN_SIZE	    (HTTP_MAX_HEAD + HTTP_MAX_BODY)
#define MS		    1000000ull
#define API_REQUEST_TIME_NS (10000 * MS) /* first byte to a complete request */
#define API_IDLE_TIME_NS    (60000 * MS) /* a kept-alive connection without a request */
#define API_WRITE_TIME_NS   (10000 * MS) /* a client that does not read its answer */
#define API_FLUSH_TIME_NS   (500 * MS)	 /* answers still unsent when minivmm stops */

enum conn_state {
	CONN_FREE,
	CONN_READING, /* waiting for (the rest of) a request */
	CONN_WAITING, /* its call is queued for, or with, the main thread */
	CONN_WRITING, /* sending the answer */
};

struct conn {
	enum conn_state state;
	int fd;
	char *in; /* API_IN_SIZE bytes while open */
	size_t in_len;
	size_t consumed; /* of in, by the request being answered */
	char *out;
	size_t out_len, out_off;
	bool keep_alive;  /* after this answer */
	bool peer_closed; /* it shut down its sending side */
	uint64_t deadline_ns;
	uint64_t seq; /* calls go to the main thread in this order */
	enum api_op op;
	char path[API_PATH_MAX]; /* API_SNAPSHOT's directory */
};

enum slot_state { SLOT_IDLE, SLOT_POSTED, SLOT_TAKEN, SLOT_DONE };

struct api_server {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int remover_fd; /* its helper removes the socket once this closes everywhere */
	int stop_fd, call_fd, done_fd;
	pthread_t thread;
	bool started;

	pthread_mutex_t lock; /* the mailbox: slot and call */
	enum slot_state slot;
	struct api_call call;

	/* API thread only. */
	struct conn *slot_conn;
	struct conn conns[API_MAX_CONNS];
	uint64_t next_seq;
};

/* ---- the socket's remover ---------------------------------------------- */

/* The helper process: sleep until every minivmm process holding the pipe's
 * write end is gone (exit, crash or SIGKILL), then remove the socket if it is
 * still the one we bound. Holds nothing else open. */
static void remover_main(int rd, const char *path, dev_t dev, ino_t ino)
{
	struct stat st;
	char c;

	prctl(PR_SET_NAME, "minivmm-api-rm");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (rd > 0)
		close_range(0, (unsigned)rd - 1, 0);
	close_range((unsigned)rd + 1, ~0u, 0);
	while (read(rd, &c, 1) < 0 && errno == EINTR)
		;
	if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
	_exit(0);
}

static int start_remover(struct api_server *s, struct err *e)
{
	struct stat st;
	int p[2];
	pid_t pid;

	if (stat(s->path, &st) < 0)
		return err_sys(e, "--api-sock %s", s->path);
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, "fork");
	}
	if (pid == 0)
		remover_main(p[0], s->path, st.st_dev, st.st_ino);
	close(p[0]);
	s->remover_fd = p[1];
	return 0;
}

/* ---- binding ------------------------------------------------------------ */

/* Something exists at the path: replace a stale socket, refuse the rest. */
static int clear_stale(const struct sockaddr_un *addr, struct err *e)
{
	struct stat st;
	int probe, r;

	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "--api-sock %s", addr->sun_path);
	if (!S_ISSOCK(st.st_mode))
		return err_set(e, EEXIST, "--api-sock %s: exists and is not a socket",
			       addr->sun_path);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return err_sys(e, "socket");
	r = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
	close(probe);
	if (r == 0)
		return err_set(e, EADDRINUSE,
			       "--api-sock %s: another process (a running minivmm?) is serving it",
			       addr->sun_path);
	if (errno != ECONNREFUSED)
		return err_sys(e, "--api-sock %s", addr->sun_path);
	/* Nobody listens: a dead minivmm's socket. */
	if (unlink(addr->sun_path) < 0 && errno != ENOENT)
		return err_sys(e, "--api-sock %s: removing the stale socket", addr->sun_path);
	return 0;
}

static int bind_socket(struct api_server *s, struct err *e)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int r;

	memcpy(addr.sun_path, s->path, sizeof(addr.sun_path));
	r = clear_stale(&addr, e);
	if (r < 0)
		return r;
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0)
		return err_sys(e, "socket");
	/* Created 0600: only the owner may drive the VM. Single-threaded here. */
	old_mask = umask(0177);
	r = bind(s->listen_fd, (const struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (r < 0)
		return err_sys(e, "--api-sock %s", s->path);
	if (listen(s->listen_fd, API_BACKLOG) < 0)
		return err_sys(e, "--api-sock %s: listen", s->path);
	return 0;
}

static void free_server(struct api_server *s)
{
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->remover_fd >= 0)
		close(s->remover_fd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	if (s->call_fd >= 0)
		close(s->call_fd);
	if (s->done_fd >= 0)
		close(s->done_fd);
	if (s->slot == SLOT_DONE)
		free(s->call.body);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int api_open(const char *path, struct api_server **out, struct err *e)
{
	struct api_server *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return err_set(e, ENOMEM, "out of memory");
	s->listen_fd = s->remover_fd = s->stop_fd = s->call_fd = s->done_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	api_json_init();
	if (strlen(path) >= sizeof(s->path)) {
		free_server(s);
		return err_set(e, ENAMETOOLONG, "--api-sock %s: path too long", path);
	}
	strcpy(s->path, path);
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = s->stop_fd < 0 || s->call_fd < 0 || s->done_fd < 0 ? err_sys(e, "eventfd") : 0;
	if (r == 0)
		r = bind_socket(s, e);
	if (r == 0)
		r = start_remover(s, e);
	if (r < 0) {
		/* Bound but no remover: remove it ourselves. */
		if (s->listen_fd >= 0 && s->remover_fd < 0)
			unlink(s->path);
		free_server(s);
		return r;
	}
	*out = s;
	return 0;
}

/* ---- connections -------------------------------------------------------- */

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0) {
		/* Counter overflow only: already readable. */
	}
}

static void drain_fd(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending. */
	}
}

static void conn_close(struct api_server *s, struct conn *c)
{
	if (s->slot_conn == c)
		s->slot_conn = NULL; /* its answer, when it comes, goes nowhere */
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->state = CONN_FREE;
	c->fd = -1;
}

/* Queue the answer; the write loop sends it. Closes the connection when
 * even a minimal answer cannot be built. */
static void respond(struct api_server *s, struct conn *c, int status, char *body, bool keep_alive)
{
	size_t body_len = body ? strlen(body) : 0;
	size_t cap = body_len + 512;
	int n;

	free(c->out);
	c->out = malloc(cap);
	n = c->out ? http_format_response(c->out, cap, status, body ? "application/json" : NULL,
					  body, body_len, keep_alive && !c->peer_closed) :
		     -ENOMEM;
	free(body);
	if (n < 0) {
		conn_close(s, c);
		return;
	}
	c->out_len = (size_t)n;
	c->out_off = 0;
	c->keep_alive = keep_alive && !c->peer_closed;
	c->state = CONN_WRITING;
	c->deadline_ns = monotonic_ns() + API_WRITE_TIME_NS;
}

static void respond_error(struct api_server *s, struct conn *c, int status, const char *why,
			  bool keep_alive)
{
	respond(s, c, status, api_json_error(why), keep_alive);
}

/* A complete request: route it, queue its call, or answer the error. */
static void dispatch(struct api_server *s, struct conn *c, const struct http_request *req)
{
	const char *allow = NULL, *why = NULL;
	int status = api_route(req, &c->op, &allow, &why);

	c->consumed = req->consumed;
	if (status == 405 && allow) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%s (allowed: %s)", why, allow);
		respond_error(s, c, 405, msg, req->keep_alive);
		return;
	}
	if (!status && c->op == API_SNAPSHOT)
		status = api_snapshot_body(req->body, req->body_len, c->path, &why);
	if (status) {
		respond_error(s, c, status, why, req->keep_alive);
		return;
	}
	c->keep_alive = req->keep_alive;
	c->state = CONN_WAITING;
	c->seq = s->next_seq++;
}

/* Parse what has arrived; act on a complete request or a hopeless one. */
static void try_parse(struct api_server *s, struct conn *c)
{
	struct http_request req;
	int r;

	if (c->state != CONN_READING)
		return;
	if (!c->in_len) {
		if (c->peer_closed)
			conn_close(s, c);
		return;
	}
	r = http_parse(c->in, c->in_len, &req);
	if (r == HTTP_COMPLETE) {
		dispatch(s, c, &req);
	} else if (r == HTTP_INCOMPLETE) {
		if (c->peer_closed)
			respond_error(s, c, 400, "the request ended before it was complete", false);
	} else {
		c->consumed = c->in_len;
		respond_error(s, c, r, http_reason(r), false);
	}
}

static void conn_read(struct api_server *s, struct conn *c)
{
	ssize_t n;

	if (c->in_len == API_IN_SIZE) {
		/* http_parse answers a full buffer with 413 or 431 first. */
		return;
	}
	n = read(c->fd, c->in + c->in_len, API_IN_SIZE - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_close(s, c);
		return;
	}
	if (n == 0) {
		c->peer_closed = true;
	} else {
		if (!c->in_len) /* the request's clock starts at its first byte */
			c->deadline_ns = monotonic_ns() + API_REQUEST_TIME_NS;
		c->in_len += (size_t)n;
	}
	try_parse(s, c);
}

/* Answer sent: close, or read the next request (maybe already here). */
static void conn_sent(struct api_server *s, struct conn *c)
{
	if (!c->keep_alive) {
		conn_close(s, c);
		return;
	}
	memmove(c->in, c->in + c->consumed, c->in_len - c->consumed);
	c->in_len -= c->consumed;
	c->consumed = 0;
	free(c->out);
	c->out = NULL;
	c->state = CONN_READING;
	c->deadline_ns = monotonic_ns() + (c->in_len ? API_REQUEST_TIME_NS : API_IDLE_TIME_NS);
	try_parse(s, c);
}

static void conn_write(struct api_server *s, struct conn *c)
{
	while (c->state == CONN_WRITING && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(s, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->state == CONN_WRITING)
		conn_sent(s, c);
}

static void conn_accept(struct api_server *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct conn *c = NULL;

	if (fd < 0)
		return;
	for (unsigned i = 0; i < API_MAX_CONNS && !c; i++)
		if (s->conns[i].state == CONN_FREE)
			c = &s->conns[i];
	if (!c || !(c->in = malloc(API_IN_SIZE))) {
		/* Full: a short answer, best effort, and away. */
		static const char busy[] =
			"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
			"Connection: close\r\n\r\n";

		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* It goes away either way. */
		}
		close(fd);
		return;
	}
	c->fd = fd;
	c->state = CONN_READING;
	c->deadline_ns = monotonic_ns() + API_IDLE_TIME_NS;
}

static void conn_expired(struct api_server *s, struct conn *c)
{
	if (c->state == CONN_READING && c->in_len) {
		c->consumed = c->in_len;
		respond_error(s, c, 408, "the request did not arrive in time", false);
		conn_write(s, c); /* one try; the write deadline bounds the rest */
		if (c->state == CONN_WRITING)
			c->deadline_ns = monotonic_ns() + API_FLUSH_TIME_NS;
	} else if (c->state != CONN_WAITING) {
		conn_close(s, c);
	}
}

/* ---- the mailbox -------------------------------------------------------- */

static void post_next_call(struct api_server *s)
{
	struct conn *next = NULL;

	if (s->slot_conn || s->slot != SLOT_IDLE)
		return;
	for (unsigned i = 0; i < API_MAX_CONNS; i++) {
		struct conn *c = &s->conns[i];

		if (c->state == CONN_WAITING && (!next || c->seq < next->seq))
			next = c;
	}
	if (!next)
		return;
	pthread_mutex_lock(&s->lock);
	s->call.op = next->op;
	s->call.status = 0;
	s->call.body = NULL;
	memcpy(s->call.path, next->path, sizeof(s->call.path));
	s->slot = SLOT_POSTED;
	pthread_mutex_unlock(&s->lock);
	s->slot_conn = next;
	signal_fd(s->call_fd);
}

static void collect_answer(struct api_server *s)
{
	struct api_call done;
	bool have = false;

	done.body = NULL;
	done.status = 0;
	drain_fd(s->done_fd);
	pthread_mutex_lock(&s->lock);
	if (s->slot == SLOT_DONE) {
		done.status = s->call.status;
		done.body = s->call.body;
		s->slot = SLOT_IDLE;
		have = true;
	}
	pthread_mutex_unlock(&s->lock);
	if (!have)
		return;
	if (s->slot_conn && s->slot_conn->state == CONN_WAITING) {
		struct conn *c = s->slot_conn;

		s->slot_conn = NULL;
		respond(s, c, done.status, done.body, c->keep_alive);
		if (c->state == CONN_WRITING)
			conn_write(s, c);
	} else {
		s->slot_conn = NULL;
		free(done.body);
	}
}

int api_call_fd(const struct api_server *s)
{
	return s->call_fd;
}

struct api_call *api_take_call(struct api_server *s)
{
	struct api_call *c = NULL;

	drain_fd(s->call_fd);
	pthread_mutex_lock(&s->lock);
	if (s->slot == SLOT_POSTED) {
		s->slot = SLOT_TAKEN;
		c = &s->call;
	}
	pthread_mutex_unlock(&s->lock);
	return c;
}

void api_reply(struct api_server *s, struct api_call *c, int status, char *body)
{
	pthread_mutex_lock(&s->lock);
	c->status = status;
	c->body = body;
	s->slot = SLOT_DONE;
	pthread_mutex_unlock(&s->lock);
	signal_fd(s->done_fd);
}

/* ---- the thread --------------------------------------------------------- */

static short conn_events(const struct conn *c)
{
	switch (c->state) {
	case CONN_READING: return POLLIN;
	case CONN_WRITING: return POLLOUT;
	default: return 0;
	}
}

static int poll_timeout_ms(const struct api_server *s)
{
	uint64_t now = monotonic_ns(), next = 0;

	for (unsigned i = 0; i < API_MAX_CONNS; i++) {
		const struct conn *c = &s->conns[i];

		if (c->state == CONN_READING || c->state == CONN_WRITING)
			if (!next || c->deadline_ns < next)
				next = c->deadline_ns;
	}
	if (!next)
		return -1;
	return next <= now ? 0 : (int)((next - now + MS - 1) / MS);
}

static void serve_conns(struct api_server *s, const struct pollfd *p, const int *which, unsigned n)
{
	uint64_t now = monotonic_ns();

	for (unsigned i = 0; i < n; i++) {
		struct conn *c = &s->conns[which[i]];

		if (c->state == CONN_READING && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			conn_read(s, c);
		else if (c->state == CONN_WRITING && (p[i].revents & (POLLOUT | POLLHUP | POLLERR)))
			conn_write(s, c);
	}
	for (unsigned i = 0; i < API_MAX_CONNS; i++) {
		struct conn *c = &s->conns[i];

		if ((c->state == CONN_READING || c->state == CONN_WRITING) && c->deadline_ns <= now)
			conn_expired(s, c);
	}
}

/* Until stop_fd: returns having seen it. */
static void serve(struct api_server *s)
{
	for (;;) {
		struct pollfd p[3 + API_MAX_CONNS] = {
			{ .fd = s->stop_fd, .events = POLLIN },
			{ .fd = s->done_fd, .events = POLLIN },
			{ .fd = s->listen_fd, .events = POLLIN },
		};
		int which[API_MAX_CONNS];
		unsigned n = 0;

		for (unsigned i = 0; i < API_MAX_CONNS; i++) {
			short ev = conn_events(&s->conns[i]);

			if (!ev)
				continue;
			p[3 + n] = (struct pollfd){ .fd = s->conns[i].fd, .events = ev };
			which[n++] = (int)i;
		}
		if (poll(p, 3 + n, poll_timeout_ms(s)) < 0 && errno != EINTR)
			return;
		if (p[0].revents)
			return;
		if (p[1].revents)
			collect_answer(s);
		if (p[2].revents)
			conn_accept(s);
		serve_conns(s, p + 3, which, n);
		post_next_call(s);
	}
}

/* minivmm is stopping: the last answers (PUT /vm/stop's own) go out within
 * API_FLUSH_TIME_NS, calls never taken get 503, then everything closes. */
static void finish(struct api_server *s)
{
	uint64_t end = monotonic_ns() + API_FLUSH_TIME_NS;
	bool pending = true;

	collect_answer(s);
	s->slot_conn = NULL;
	for (unsigned i = 0; i < API_MAX_CONNS; i++) {
		struct conn *c = &s->conns[i];

		/* Its call was never answered (the main thread is gone). */
		if (c->state == CONN_WAITING)
			respond_error(s, c, 503, "minivmm is stopping", false);
		if (c->state == CONN_WRITING) {
			c->keep_alive = false;
			conn_write(s, c);
		}
	}
	while (pending && monotonic_ns() < end) {
		struct pollfd p[API_MAX_CONNS];
		int which[API_MAX_CONNS];
		unsigned n = 0;

		for (unsigned i = 0; i < API_MAX_CONNS; i++) {
			if (s->conns[i].state != CONN_WRITING)
				continue;
			p[n] = (struct pollfd){ .fd = s->conns[i].fd, .events = POLLOUT };
			which[n++] = (int)i;
		}
		pending = n > 0;
		if (pending && poll(p, n, 50) > 0)
			for (unsigned i = 0; i < n; i++)
				conn_write(s, &s->conns[which[i]]);
	}
	for (unsigned i = 0; i < API_MAX_CONNS; i++)
		if (s->conns[i].state != CONN_FREE)
			conn_close(s, &s->conns[i]);
}

static void *api_thread(void *arg)
{
	struct api_server *s = arg;

	pthread_setname_np(pthread_self(), "api");
	if (seccomp_enter(SECCOMP_API, &(struct err){ 0 }) < 0) {
		fprintf(stderr, "minivmm: error: the API thread cannot confine itself: "
				"the API is off\n");
		return NULL;
	}
	serve(s);
	finish(s);
	return NULL;
}

int api_start(struct api_server *s, struct err *e)
{
	int r;

	for (unsigned i = 0; i < API_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	r = pthread_create(&s->thread, NULL, api_thread, s);
	if (r)
		return err_set(e, r, "cannot start the API thread");
	s->started = true;
	return 0;
}

void api_close(struct api_server *s)
{
	if (!s)
		return;
	if (s->started) {
		signal_fd(s->stop_fd);
		pthread_join(s->thread, NULL);
	}
	free_server(s);
}
