/* The control API's pure parts: routing (vmm/api_route.c) and the JSON
 * bodies (vmm/api_json.c), read back with jansson. */
#include <jansson.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/api.h"
#include "vmm/api_json.h"

static int route(enum http_method method, const char *path, enum api_op *op, const char **allow)
{
	struct http_request req = { .method = method };
	const char *why = NULL;
	int r;

	snprintf(req.path, sizeof(req.path), "%s", path);
	*allow = NULL;
	r = api_route(&req, op, allow, &why);
	if (r)
		assert_non_null(why);
	return r;
}

static void test_routes(void **state)
{
	static const struct {
		enum http_method method;
		const char *path;
		enum api_op op;
	} ok[] = {
		{ HTTP_GET, "/vm", API_GET_VM },
		{ HTTP_GET, "/vm/", API_GET_VM },
		{ HTTP_GET, "/metrics", API_GET_METRICS },
		{ HTTP_PUT, "/vm/pause", API_PAUSE },
		{ HTTP_PUT, "/vm/resume", API_RESUME },
		{ HTTP_PUT, "/vm/shutdown", API_SHUTDOWN },
		{ HTTP_PUT, "/vm/stop", API_STOP },
	};
	const char *allow;
	enum api_op op;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		op = (enum api_op) - 1;
		assert_int_equal(route(ok[i].method, ok[i].path, &op, &allow), 0);
		assert_int_equal(op, ok[i].op);
	}
}

static void test_route_errors(void **state)
{
	const char *allow;
	enum api_op op;

	(void)state;
	assert_int_equal(route(HTTP_GET, "/", &op, &allow), 404);
	assert_int_equal(route(HTTP_GET, "/vmx", &op, &allow), 404);
	assert_int_equal(route(HTTP_GET, "/vm/pause/x", &op, &allow), 404);
	assert_int_equal(route(HTTP_GET, "/VM", &op, &allow), 404);
	assert_int_equal(route(HTTP_GET, "/vm//", &op, &allow), 404);
	assert_int_equal(route(HTTP_DELETE, "/vm", &op, &allow), 405);
	assert_string_equal(allow, "GET");
	assert_int_equal(route(HTTP_GET, "/vm/pause", &op, &allow), 405);
	assert_string_equal(allow, "PUT");
	assert_int_equal(route(HTTP_POST, "/vm/stop", &op, &allow), 405);
	assert_int_equal(route(HTTP_OTHER, "/metrics", &op, &allow), 405);
}

static json_t *parse(char *text)
{
	json_error_t err;
	json_t *v;

	assert_non_null(text);
	v = json_loads(text, 0, &err);
	free(text);
	assert_non_null(v);
	return v;
}

static void test_vm_json(void **state)
{
	struct api_vm_info info = {
		.state = "paused",
		.uuid = "6f0c3d5e-0000-4000-8000-000000000001",
		.vcpus = 4,
		.memory_mib = 6144,
		.uptime_ms = 1234,
		.boots = 2,
		.kernel = "build/guest/vmlinux",
		.kernel_kind = "pvh",
		.disks = { { .id = "blk0",
			     .path = "a \"quoted\" disk.img",
			     .cache = "writeback",
			     .serial = NULL,
			     .read_only = true,
			     .size_bytes = 1ull << 40 } },
		.ndisks = 1,
		.nics = { { .id = "net0", .tap = "tap0", .mac = "52:54:00:12:34:56" } },
		.nnics = 1,
	};
	json_t *v, *d;

	(void)state;
	v = parse(api_json_vm(&info));
	assert_string_equal(json_string_value(json_object_get(v, "state")), "paused");
	assert_string_equal(json_string_value(json_object_get(v, "uuid")), info.uuid);
	assert_int_equal(json_integer_value(json_object_get(v, "vcpus")), 4);
	assert_int_equal(json_integer_value(json_object_get(v, "memory_mib")), 6144);
	assert_int_equal(json_integer_value(json_object_get(v, "uptime_ms")), 1234);
	assert_int_equal(json_integer_value(json_object_get(v, "boots")), 2);
	assert_string_equal(json_string_value(json_object_get(v, "kernel_kind")), "pvh");
	assert_int_equal(json_array_size(json_object_get(v, "disks")), 1);
	d = json_array_get(json_object_get(v, "disks"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "path")), "a \"quoted\" disk.img");
	assert_true(json_is_true(json_object_get(d, "read_only")));
	assert_true(json_is_null(json_object_get(d, "serial")));
	assert_true(json_integer_value(json_object_get(d, "size_bytes")) == (json_int_t)1 << 40);
	d = json_array_get(json_object_get(v, "nics"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "mac")), "52:54:00:12:34:56");
	json_decref(v);
}

static void test_vm_json_no_devices(void **state)
{
	struct api_vm_info info = {
		.state = "running", .uuid = "u", .kernel = "k", .kernel_kind = "bzimage"
	};
	json_t *v;

	(void)state;
	v = parse(api_json_vm(&info));
	assert_int_equal(json_array_size(json_object_get(v, "disks")), 0);
	assert_int_equal(json_array_size(json_object_get(v, "nics")), 0);
	json_decref(v);
}

static void test_metrics_json(void **state)
{
	struct exit_stats exits;
	struct api_metrics m = { .uptime_ms = 5, .console_dropped_bytes = 7 };
	json_t *v, *x;

	(void)state;
	memset(&exits, 0, sizeof(exits));
	exits.reasons[KVM_EXIT_IO] = 30;
	exits.reasons[KVM_EXIT_MMIO] = 12;
	m.exits = &exits;
	m.disks[0] = (struct api_dev_metrics){
		.id = "blk0", .requests = 3, .read_bytes = 4096, .write_bytes = 512, .errors = 1
	};
	m.ndisks = 1;
	m.nics[0] = (struct api_dev_metrics){ .id = "net0", .tx_packets = 9, .rx_dropped = 2 };
	m.nnics = 1;
	v = parse(api_json_metrics(&m));
	x = json_object_get(v, "vm_exits");
	assert_int_equal(json_integer_value(json_object_get(x, "io")), 30);
	assert_int_equal(json_integer_value(json_object_get(x, "mmio")), 12);
	assert_int_equal(json_integer_value(json_object_get(x, "total")), 42);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(v, "console"), "dropped_bytes")),
		7);
	x = json_array_get(json_object_get(v, "disks"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "requests")), 3);
	assert_int_equal(json_integer_value(json_object_get(x, "read_bytes")), 4096);
	assert_int_equal(json_integer_value(json_object_get(x, "errors")), 1);
	assert_null(json_object_get(x, "tx_packets")); /* a disk has no NIC counters */
	x = json_array_get(json_object_get(v, "nics"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "tx_packets")), 9);
	assert_int_equal(json_integer_value(json_object_get(x, "rx_dropped")), 2);
	json_decref(v);
}

static void test_error_and_state(void **state)
{
	json_t *v;

	(void)state;
	v = parse(api_json_error("bad \"thing\"\n"));
	assert_string_equal(json_string_value(json_object_get(v, "error")), "bad \"thing\"\n");
	json_decref(v);
	v = parse(api_json_state("running"));
	assert_string_equal(json_string_value(json_object_get(v, "state")), "running");
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),	     cmocka_unit_test(test_route_errors),
		cmocka_unit_test(test_vm_json),	     cmocka_unit_test(test_vm_json_no_devices),
		cmocka_unit_test(test_metrics_json), cmocka_unit_test(test_error_and_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
