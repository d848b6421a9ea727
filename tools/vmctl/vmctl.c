/* vmctl: a small client for minivmm's control API (docs/api.md), for
 * scripts and for machines without curl (the test suite runs in kvmbox,
 * where only busybox exists).
 *
 *   vmctl SOCKET METHOD PATH [BODY]   one request; prints the answer's body;
 *                                     exit 0 on 2xx, 1 on another status,
 *                                     2 on bad use or no answer
 *   vmctl -i SOCKET METHOD PATH       prints the status line first
 *   vmctl --raw SOCKET [--half-close] sends stdin's bytes as they are,
 *                                     prints everything that comes back
 *
 * Every wait is bounded (10 s). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TIMEOUT_MS  10000
#define ANSWER_MAX  (1 << 20)
#define REQUEST_MAX (1 << 20)

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "vmctl: %s: path too long\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "vmctl: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Read until the peer closes, the answer is complete (Content-Length), or
 * the timeout. Returns the length read. */
static size_t read_answer(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const char *head_end, *cl;
		ssize_t n;

		if (poll(&p, 1, TIMEOUT_MS) <= 0)
			break;
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		head_end = strstr(buf, "\r\n\r\n");
		cl = strstr(buf, "Content-Length:");
		if (head_end && cl && cl < head_end &&
		    len >= (size_t)(head_end + 4 - buf) + strtoul(cl + 15, NULL, 10))
			break;
	}
	buf[len] = '\0';
	return len;
}

static int raw_mode(const char *sock, bool half_close)
{
	char *req = malloc(REQUEST_MAX), *ans = malloc(ANSWER_MAX);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!req || !ans)
		return 2;
	while (len < REQUEST_MAX && (n = read(0, req + len, REQUEST_MAX - len)) > 0)
		len += (size_t)n;
	fd = connect_to(sock);
	if (fd < 0)
		return 2;
	if (!send_all(fd, req, len))
		fprintf(stderr, "vmctl: sending: %s\n", strerror(errno));
	if (half_close)
		shutdown(fd, SHUT_WR);
	len = read_answer(fd, ans, ANSWER_MAX);
	fwrite(ans, 1, len, stdout);
	close(fd);
	free(req);
	free(ans);
	return len ? 0 : 1;
}

static int request(const char *sock, const char *method, const char *path, const char *body,
		   bool show_status)
{
	char *ans = malloc(ANSWER_MAX), req[8192];
	size_t blen = body ? strlen(body) : 0, len;
	const char *sep;
	int fd, n, status;

	if (!ans)
		return 2;
	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s"
		     "Content-Length: %zu\r\n\r\n",
		     method, path, body ? "Content-Type: application/json\r\n" : "", blen);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		fprintf(stderr, "vmctl: request too long\n");
		return 2;
	}
	fd = connect_to(sock);
	if (fd < 0)
		return 2;
	if (!send_all(fd, req, (size_t)n) || (blen && !send_all(fd, body, blen))) {
		fprintf(stderr, "vmctl: sending: %s\n", strerror(errno));
		return 2;
	}
	len = read_answer(fd, ans, ANSWER_MAX);
	close(fd);
	if (sscanf(ans, "HTTP/1.%*c %d", &status) != 1) {
		fprintf(stderr, "vmctl: no answer from %s\n", sock);
		return 2;
	}
	if (show_status)
		printf("%.*s\n", (int)strcspn(ans, "\r\n"), ans);
	sep = strstr(ans, "\r\n\r\n");
	if (sep && (size_t)(sep + 4 - ans) < len)
		printf("%s\n", sep + 4);
	free(ans);
	return status >= 200 && status < 300 ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool show_status = false;

	if (argc >= 3 && !strcmp(argv[1], "--raw"))
		return raw_mode(argv[2], argc >= 4 && !strcmp(argv[3], "--half-close"));
	if (argc >= 2 && !strcmp(argv[1], "-i")) {
		show_status = true;
		argv++;
		argc--;
	}
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: vmctl [-i] SOCKET METHOD PATH [BODY]\n"
				"       vmctl --raw SOCKET [--half-close] <request\n");
		return 2;
	}
	return request(argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL, show_status);
}
