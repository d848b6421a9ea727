/* The control API's routing table and request bodies: pure, unit-tested
 * (tests/unit/test_api.c). */
#include <jansson.h>
#include <string.h>

#include "vmm/api.h"

static const struct route {
	const char *path;
	enum http_method method;
	enum api_op op;
	const char *allow; /* every method the path takes, for 405's Allow */
} routes[] = {
	{ "/vm", HTTP_GET, API_GET_VM, "GET" },
	{ "/metrics", HTTP_GET, API_GET_METRICS, "GET" },
	{ "/vm/pause", HTTP_PUT, API_PAUSE, "PUT" },
	{ "/vm/resume", HTTP_PUT, API_RESUME, "PUT" },
	{ "/vm/shutdown", HTTP_PUT, API_SHUTDOWN, "PUT" },
	{ "/vm/stop", HTTP_PUT, API_STOP, "PUT" },
	{ "/vm/snapshot", HTTP_PUT, API_SNAPSHOT, "PUT" },
};

int api_route(const struct http_request *req, enum api_op *op, const char **allow, const char **why)
{
	/* A trailing slash names the same resource ("/vm/" is "/vm"). */
	size_t len = strlen(req->path);

	if (len > 1 && req->path[len - 1] == '/')
		len--;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];

		if (strlen(r->path) != len || memcmp(r->path, req->path, len))
			continue;
		if (req->method != r->method) {
			*allow = r->allow;
			*why = "method not allowed on this path";
			return 405;
		}
		*op = r->op;
		return 0;
	}
	*why = "no such endpoint (docs/api.md lists them)";
	return 404;
}

int api_snapshot_body(const char *body, size_t len, char *path, const char **why)
{
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	const char *p = json_string_value(json_object_get(v, "path"));
	int r = 0;

	if (!json_is_object(v) || json_object_size(v) != 1 || !p || !*p) {
		*why = "the body must be {\"path\": \"DIR\"}";
		r = 400;
	} else if (strlen(p) >= API_PATH_MAX ||
		   strlen(p) != json_string_length(json_object_get(v, "path"))) {
		*why = "path too long, or with a NUL byte";
		r = 400;
	} else {
		strcpy(path, p);
	}
	json_decref(v);
	return r;
}
