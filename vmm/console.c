#include "vmm/console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "devices/serial.h"
#include "vmm/exit_status.h"
#include "vmm/seccomp.h"
#include "vmm/vm.h"

#define OUT_BUF_SIZE (64 * 1024)

struct console {
	struct vm *vm;
	enum console_mode mode;
	int out_fd;
	bool own_out_fd;
	int in_fd;
	bool in_tty;
	struct serial *serial;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t buf[OUT_BUF_SIZE];
	size_t head, count;
	uint64_t dropped;
	bool closing;

	pthread_t writer, reader;
	bool writer_started, reader_started;
};

/* The one terminal minivmm may have put in raw mode, for signal handlers. */
static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;

void console_restore_terminal(void)
{
	if (termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

enum console_key console_escape_step(bool *pending, uint8_t byte)
{
	if (!*pending) {
		if (byte == CONSOLE_ESCAPE) {
			*pending = true;
			return KEY_NONE;
		}
		return KEY_PASS;
	}
	*pending = false;
	if (byte == 'x' || byte == 'X')
		return KEY_QUIT;
	if (byte == 'p' || byte == 'P')
		return KEY_POWER;
	if (byte == CONSOLE_ESCAPE)
		return KEY_PASS;
	return KEY_NONE; /* unknown escapes are swallowed */
}

void console_put(void *opaque, uint8_t byte)
{
	struct console *c = opaque;

	if (c->mode == CONSOLE_NONE)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->count == OUT_BUF_SIZE) {
		c->dropped++;
	} else {
		c->buf[(c->head + c->count) % OUT_BUF_SIZE] = byte;
		c->count++;
		if (c->count == 1)
			pthread_cond_signal(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

uint64_t console_dropped(struct console *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->dropped;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void *writer_thread(void *arg)
{
	struct console *c = arg;

	pthread_setname_np(pthread_self(), "console-out");
	if (seccomp_enter_thread(c->vm, SECCOMP_CONSOLE_OUT) < 0)
		return NULL;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		size_t n;
		ssize_t w;

		while (!c->count && !c->closing)
			pthread_cond_wait(&c->cond, &c->lock);
		if (!c->count)
			break;
		n = c->count;
		if (n > OUT_BUF_SIZE - c->head)
			n = OUT_BUF_SIZE - c->head;
		pthread_mutex_unlock(&c->lock);
		w = write(c->out_fd, c->buf + c->head, n);
		pthread_mutex_lock(&c->lock);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* The reader is gone (EPIPE, EIO): keep draining so the
			 * guest never stalls, counting what is lost. */
			w = (ssize_t)n;
			c->dropped += n;
		}
		c->head = (c->head + (size_t)w) % OUT_BUF_SIZE;
		c->count -= (size_t)w;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Feed buf into the UART, waiting for FIFO room; false when the VM stops. */
static bool feed_serial(struct console *c, const uint8_t *buf, size_t len)
{
	int room_fd = serial_room_fd(c->serial);

	while (len) {
		size_t n = serial_receive(c->serial, buf, len);
		struct pollfd p[3] = {
			{ .fd = room_fd, .events = POLLIN },
			{ .fd = c->vm->stop_fd, .events = POLLIN },
			{ .fd = c->vm->pause.fd, .events = POLLIN },
		};
		uint64_t v;

		buf += n;
		len -= n;
		if (!len)
			break;
		if (poll(p, 3, 100) < 0 && errno != EINTR)
			return false;
		if (p[1].revents)
			return false;
		if (p[2].revents)
			vm_pause_point(c->vm, NULL, NULL);
		if (p[0].revents && read(room_fd, &v, sizeof(v)) < 0) {
			/* nothing to do: EAGAIN means another wakeup consumed it */
		}
	}
	return true;
}

static size_t apply_escapes(struct console *c, bool *pending, uint8_t *buf, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		switch (console_escape_step(pending, buf[i])) {
		case KEY_PASS: buf[out++] = buf[i]; break;
		case KEY_QUIT: vm_request_stop(c->vm, EXIT_POWEROFF); return out;
		case KEY_POWER: vm_request_shutdown(c->vm); break;
		case KEY_NONE: break;
		}
	}
	return out;
}

static void read_input(struct console *c);

static void *reader_thread(void *arg)
{
	struct console *c = arg;

	pthread_setname_np(pthread_self(), "console-in");
	if (seccomp_enter_thread(c->vm, SECCOMP_CONSOLE_IN) == 0)
		read_input(c);
	vm_pause_leave(c->vm);
	return NULL;
}

static void read_input(struct console *c)
{
	bool pending = false;
	uint8_t buf[256];

	while (!vm_stopping(c->vm)) {
		struct pollfd p[3] = {
			{ .fd = c->in_fd, .events = POLLIN },
			{ .fd = c->vm->stop_fd, .events = POLLIN },
			{ .fd = c->vm->pause.fd, .events = POLLIN },
		};
		ssize_t n;
		size_t len;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[2].revents) {
			/* Paused: the input waits in the pipe or terminal. */
			vm_pause_point(c->vm, NULL, NULL);
			continue;
		}
		n = read(c->in_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* EOF on a pipe or file: the guest keeps running */
		len = c->in_tty ? apply_escapes(c, &pending, buf, (size_t)n) : (size_t)n;
		if (!feed_serial(c, buf, len))
			break;
	}
}

static int enter_raw_mode(struct err *e)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return err_sys(e, "tcgetattr");
	raw = saved_termios;
	cfmakeraw(&raw);
	/* Keep output post-processing so host-side messages stay readable. */
	raw.c_oflag |= OPOST;
	termios_saved = 1;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return err_sys(e, "cannot put the terminal in raw mode");
	return 0;
}

int console_open(struct vm *vm, enum console_mode mode, const char *path, struct console **out,
		 struct err *e)
{
	struct console *c = calloc(1, sizeof(*c));

	if (!c)
		return err_set(e, ENOMEM, "out of memory");
	c->vm = vm;
	c->mode = mode;
	c->out_fd = STDOUT_FILENO;
	c->in_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (mode == CONSOLE_FILE) {
		c->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			int r = err_sys(e, "cannot open console file %s", path);

			console_close(c);
			return r;
		}
		c->own_out_fd = true;
	} else if (mode == CONSOLE_STDIO) {
		c->in_fd = STDIN_FILENO;
		c->in_tty = isatty(STDIN_FILENO);
	}
	*out = c;
	return 0;
}

int console_start(struct console *c, struct serial *s, struct err *e)
{
	int r;

	c->serial = s;
	if (c->mode == CONSOLE_NONE)
		return 0;
	r = pthread_create(&c->writer, NULL, writer_thread, c);
	if (r)
		return err_set(e, r, "cannot start console thread");
	c->writer_started = true;
	if (c->in_fd < 0)
		return 0;
	if (c->in_tty && !termios_saved) {
		r = enter_raw_mode(e);
		if (r < 0)
			return r;
	}
	vm_pause_join(c->vm);
	r = pthread_create(&c->reader, NULL, reader_thread, c);
	if (r) {
		vm_pause_leave(c->vm);
		return err_set(e, r, "cannot start console input thread");
	}
	c->reader_started = true;
	return 0;
}

void console_stop(struct console *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->closing = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (c->writer_started) {
		struct timespec deadline;

		/* Flush what the guest wrote, but a reader that never reads (a
		 * stopped pager, a full pipe) must not hang the exit. */
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += 2;
		if (pthread_timedjoin_np(c->writer, NULL, &deadline) != 0) {
			pthread_cancel(c->writer);
			pthread_join(c->writer, NULL);
		}
	}
	/* The reader polls vm->stop_fd, which is signalled before close. */
	if (c->reader_started)
		pthread_join(c->reader, NULL);
	/* No thread left: ready for console_start on the next boot. */
	c->writer_started = c->reader_started = false;
	c->closing = false;
}

void console_close(struct console *c)
{
	if (!c)
		return;
	console_stop(c);
	console_restore_terminal();
	if (c->dropped && c->vm->verbose)
		fprintf(stderr, "minivmm: console dropped %llu bytes of guest output\n",
			(unsigned long long)c->dropped);
	if (c->own_out_fd)
		close(c->out_fd);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
