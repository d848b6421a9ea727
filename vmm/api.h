/* The control API (--api-sock): HTTP/1.1 with JSON bodies on a Unix socket,
 * served by one "api" thread that only parses, routes and writes; every
 * request that reads or changes the VM is handed to the main thread (its
 * wait loop polls api_call_fd()), which owns the VM and answers it. So a
 * malformed, slow or vanished client costs the API thread a connection
 * slot, never the VM a stall. Endpoints: docs/api.md. */
#ifndef MINIVMM_API_H
#define MINIVMM_API_H

#include <stdbool.h>

#include "common/err.h"
#include "vmm/http.h"

enum api_op {
	API_GET_VM,
	API_GET_METRICS,
	API_PAUSE,
	API_RESUME,
	API_SHUTDOWN,
	API_STOP,
	API_SNAPSHOT, /* body {"path": DIR} */
};

#define API_PATH_MAX 4096 /* a path in a request body, with its NUL */

/* One request for the main thread and its answer. */
struct api_call {
	enum api_op op;
	char path[API_PATH_MAX]; /* API_SNAPSHOT: the directory */
	int status;		 /* the answer's HTTP status */
	char *body;		 /* the answer's JSON, malloc'd; the API thread frees it */
};

/* Pure routing: the operation for a parsed request, or the HTTP status to
 * answer (404 unknown path, 405 wrong method: *allow then names the
 * methods that path takes) with *why set to a message. */
int api_route(const struct http_request *req, enum api_op *op, const char **allow,
	      const char **why);
/* The body of PUT /vm/snapshot, {"path": "DIR"}: 0 with DIR in path
 * (API_PATH_MAX bytes), or 400 with *why set. */
int api_snapshot_body(const char *body, size_t len, char *path, const char **why);

struct api_server;

/* Bind path (mode 0600) before /dev/kvm is opened: a stale socket (nothing
 * listening) is replaced, a live one or a non-socket is an error. A small
 * helper process removes the socket when every minivmm process holding it
 * has exited, however it ended. */
int api_open(const char *path, struct api_server **out, struct err *e);
/* Start the API thread (after the sandbox is entered: it inherits the main
 * filter and narrows it to its own role). */
int api_start(struct api_server *s, struct err *e);
/* Readable when a call waits for the main thread. */
int api_call_fd(const struct api_server *s);
/* Main thread: the waiting call, or NULL; answer it with api_reply(). */
struct api_call *api_take_call(struct api_server *s);
void api_reply(struct api_server *s, struct api_call *c, int status, char *body);
/* Stop the thread: answers already given are flushed (briefly), requests
 * still in flight get 503; then every connection and the socket close. */
void api_close(struct api_server *s);

#endif
