/* The control API's socket and thread (vmm/api.c) on a real Unix socket,
 * with this test as the main thread answering calls: requests in one piece
 * and byte by byte, keep-alive and pipelining, errors, a half-closed
 * request, concurrent clients while one holds half a request, calls still
 * waiting when the server closes, and the socket's removal. Run under
 * ASan/UBSan too (make unit-san). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/api.h"
#include "vmm/api_json.h"
#include "vmm/seccomp.h"

static char dir[64], sock_path[96];
static struct api_server *server;
static pthread_t answerer;
static volatile bool answering;
static volatile int calls_answered;

/* The main thread's part: answer every call with its operation's name. */
static void *answer_calls(void *arg)
{
	(void)arg;
	while (answering) {
		struct pollfd p = { .fd = api_call_fd(server), .events = POLLIN };
		struct api_call *c;
		char state[32];

		if (poll(&p, 1, 50) <= 0)
			continue;
		c = api_take_call(server);
		if (!c)
			continue;
		snprintf(state, sizeof(state), "op%d", (int)c->op);
		api_reply(server, c, 200, api_json_state(state));
		calls_answered++;
	}
	return NULL;
}

static int start(void **state)
{
	struct err e = { 0 };

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_api_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", dir);
	assert_int_equal(api_open(sock_path, &server, &e), 0);
	assert_int_equal(api_start(server, &e), 0);
	answering = true;
	calls_answered = 0;
	assert_int_equal(pthread_create(&answerer, NULL, answer_calls, NULL), 0);
	return 0;
}

static void stop_answering(void)
{
	if (!answering)
		return;
	answering = false;
	pthread_join(answerer, NULL);
}

static int finish(void **state)
{
	struct stat st;
	int i;

	(void)state;
	stop_answering();
	api_close(server);
	/* The remover deletes the socket once we closed our end. */
	for (i = 0; i < 100 && stat(sock_path, &st) == 0; i++)
		usleep(20000);
	assert_int_not_equal(stat(sock_path, &st), 0);
	rmdir(dir);
	return 0;
}

static int connect_api(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Read until `want` answers are complete or the peer closes (5 s bound). */
static size_t read_answers(int fd, char *buf, size_t cap, int want)
{
	size_t len = 0;

	while (len < cap - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int complete = 0;
		const char *at = buf;

		if (poll(&p, 1, 5000) <= 0)
			break;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		/* Every answer here has a body ending in '}'. */
		while ((at = strstr(at, "\r\n\r\n")) && strchr(at, '}')) {
			at = strchr(at, '}') + 1;
			complete++;
		}
		if (complete >= want)
			break;
	}
	buf[len] = '\0';
	return len;
}

static void expect_one(const char *request, const char *status_line, const char *body_part)
{
	char buf[4096];
	int fd = connect_api();

	send_str(fd, request);
	read_answers(fd, buf, sizeof(buf), 1);
	close(fd);
	if (strncmp(buf, status_line, strlen(status_line)) || !strstr(buf, body_part))
		fail_msg("request '%s': got '%s'", request, buf);
}

static void test_endpoints_and_errors(void **state)
{
	(void)state;
	expect_one("GET /vm HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 ", "\"state\":\"op0\"");
	expect_one("PUT /vm/pause HTTP/1.1\r\n\r\n", "HTTP/1.1 200 ", "\"op2\"");
	expect_one("PUT /vm/stop HTTP/1.0\r\n\r\n", "HTTP/1.1 200 ", "\"op5\"");
	expect_one("GET /nope HTTP/1.1\r\n\r\n", "HTTP/1.1 404 ", "\"error\":");
	expect_one("DELETE /vm HTTP/1.1\r\n\r\n", "HTTP/1.1 405 ", "allowed: GET");
	expect_one("GARBAGE\r\n\r\n", "HTTP/1.1 400 ", "\"error\":");
	expect_one("PUT /vm/pause HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "HTTP/1.1 413 ",
		   "\"error\":");
	expect_one("GET /vm HTTP/2.0\r\n\r\n", "HTTP/1.1 505 ", "\"error\":");
}

static void test_byte_by_byte_and_pipelined(void **state)
{
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[4096];
	int fd = connect_api();

	(void)state;
	for (size_t i = 0; req[i]; i++) {
		assert_int_equal(send(fd, req + i, 1, MSG_NOSIGNAL), 1);
		usleep(1000);
	}
	read_answers(fd, buf, sizeof(buf), 1);
	assert_non_null(strstr(buf, "\"op1\""));
	/* Two requests in one write on the same kept-alive connection. */
	send_str(fd,
		 "GET /vm HTTP/1.1\r\n\r\nPUT /vm/resume HTTP/1.1\r\nConnection: close\r\n\r\n");
	read_answers(fd, buf, sizeof(buf), 2);
	assert_non_null(strstr(buf, "\"op0\""));
	assert_non_null(strstr(buf, "\"op3\""));
	assert_non_null(strstr(buf, "Connection: close"));
	close(fd);
}

static void test_half_closed(void **state)
{
	char buf[4096];
	int fd = connect_api();

	(void)state;
	send_str(fd, "GET /vm HTTP/1.1\r\nHost: x\r\n");
	shutdown(fd, SHUT_WR);
	read_answers(fd, buf, sizeof(buf), 1);
	assert_non_null(strstr(buf, "HTTP/1.1 400 "));
	close(fd);
	/* A client that connects and goes away at once. */
	close(connect_api());
	expect_one("GET /vm HTTP/1.1\r\n\r\n", "HTTP/1.1 200 ", "\"op0\"");
}

static void test_concurrent_with_a_slow_client(void **state)
{
	enum { CLIENTS = 12 };
	int slow = connect_api(), fds[CLIENTS];
	char buf[4096];

	(void)state;
	send_str(slow, "GET /vm HTTP/1.1\r\n"); /* and nothing more */
	for (int i = 0; i < CLIENTS; i++) {
		fds[i] = connect_api();
		send_str(fds[i], "GET /vm HTTP/1.1\r\nConnection: close\r\n\r\n");
	}
	for (int i = 0; i < CLIENTS; i++) {
		read_answers(fds[i], buf, sizeof(buf), 1);
		if (!strstr(buf, "HTTP/1.1 200 "))
			fail_msg("client %d: '%s'", i, buf);
		close(fds[i]);
	}
	close(slow);
}

static void test_more_clients_than_slots(void **state)
{
	enum { CLIENTS = 20 };
	int fds[CLIENTS], ok = 0, busy = 0;
	char buf[4096];

	(void)state;
	/* Connected but silent: they hold every slot. */
	for (int i = 0; i < CLIENTS; i++)
		fds[i] = connect_api();
	usleep(200000);
	for (int i = 0; i < CLIENTS; i++) {
		send(fds[i], "GET /vm HTTP/1.1\r\nConnection: close\r\n\r\n", 40, MSG_NOSIGNAL);
		read_answers(fds[i], buf, sizeof(buf), 1);
		ok += !!strstr(buf, "HTTP/1.1 200 ");
		busy += !!strstr(buf, "HTTP/1.1 503 ");
		close(fds[i]);
	}
	assert_int_equal(ok, 16);
	assert_int_equal(busy, CLIENTS - 16);
}

/* Calls the main thread never takes, and an idle connection, when the
 * server closes: the waiting client gets 503, nothing leaks or crashes. */
static void test_close_with_calls_waiting(void **state)
{
	char buf[4096];
	int waiting, idle;

	(void)state;
	stop_answering();
	waiting = connect_api();
	idle = connect_api();
	send_str(waiting, "GET /vm HTTP/1.1\r\n\r\n");
	send_str(idle, "GET /vm HTTP/1.1\r\n");
	usleep(200000);
	api_close(server);
	server = NULL;
	read_answers(waiting, buf, sizeof(buf), 1);
	assert_non_null(strstr(buf, "HTTP/1.1 503 "));
	close(waiting);
	close(idle);
}

static int finish_closed(void **state)
{
	struct stat st;

	(void)state;
	for (int i = 0; i < 100 && stat(sock_path, &st) == 0; i++)
		usleep(20000);
	assert_int_not_equal(stat(sock_path, &st), 0);
	rmdir(dir);
	return 0;
}

static void test_live_and_stale_socket(void **state)
{
	struct api_server *second = NULL;
	struct err e = { 0 };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	(void)state;
	assert_int_equal(api_open(sock_path, &second, &e), -EADDRINUSE);
	assert_non_null(strstr(e.msg, "another process"));
	/* A stale socket: bound, then its owner went away without removing it. */
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/stale.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
	assert_int_equal(api_open(a.sun_path, &second, &e), 0);
	api_close(second);
	for (int i = 0; i < 100 && access(a.sun_path, F_OK) == 0; i++)
		usleep(20000);
	assert_int_not_equal(access(a.sun_path, F_OK), 0);
}

int main(void)
{
	struct err e = { 0 };

	/* The API thread confines itself to its real filter, as in minivmm: a
	 * call outside it kills this test with SIGSYS. */
	if (seccomp_prepare(&e) < 0) {
		fprintf(stderr, "seccomp_prepare: %s\n", e.msg);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_endpoints_and_errors, start, finish),
		cmocka_unit_test_setup_teardown(test_byte_by_byte_and_pipelined, start, finish),
		cmocka_unit_test_setup_teardown(test_half_closed, start, finish),
		cmocka_unit_test_setup_teardown(test_concurrent_with_a_slow_client, start, finish),
		cmocka_unit_test_setup_teardown(test_more_clients_than_slots, start, finish),
		cmocka_unit_test_setup_teardown(test_close_with_calls_waiting, start,
						finish_closed),
		cmocka_unit_test_setup_teardown(test_live_and_stale_socket, start, finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
