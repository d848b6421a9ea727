/* minictr's OCI container record: round trip, refusals, the status derived
 * from a real process and exec.fifo, the OCI state JSON. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/minictr/oci_spec.h"
#include "tools/minictr/oci_state.h"

static void fill(struct oci_state *s, pid_t pid)
{
	bool zombie;

	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "c1");
	s->pid = pid;
	s->pid_start = oci_pid_start(pid, &zombie);
	snprintf(s->bundle, sizeof(s->bundle), "/b");
	snprintf(s->rootfs, sizeof(s->rootfs), "/b/rootfs");
	snprintf(s->cgroup, sizeof(s->cgroup), "/sys/fs/cgroup/minictr/c1");
	oci_now_rfc3339(s->created, sizeof(s->created));
	s->owner = 0;
}

static void test_round_trip(void **state)
{
	struct oci_state a, b;
	struct err e;
	char *text;
	(void)state;

	fill(&a, getpid());
	a.annotations_json = strdup("{\"k\":\"v\"}");
	text = oci_state_to_json(&a);
	assert_non_null(text);
	assert_int_equal(oci_state_from_json(text, strlen(text), &b, &e), 0);
	assert_string_equal(b.id, "c1");
	assert_int_equal(b.pid, getpid());
	assert_int_equal(b.pid_start, a.pid_start);
	assert_string_equal(b.rootfs, "/b/rootfs");
	assert_string_equal(b.cgroup, a.cgroup);
	assert_string_equal(b.created, a.created);
	assert_string_equal(b.annotations_json, "{\"k\":\"v\"}");
	free(text);
	oci_state_free(&a);
	oci_state_free(&b);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"id\":\"c\"}",
		"{\"id\":\"c\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"cgroup\":\"\",\"created\":\"t\","
		"\"pid\":0,\"pid_start\":1,\"owner\":0}",
		"{\"id\":\"c\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"cgroup\":\"\",\"created\":\"t\","
		"\"pid\":\"1\",\"pid_start\":1,\"owner\":0}",
		"{\"id\":\"c\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"cgroup\":\"\",\"created\":\"t\","
		"\"pid\":99999999999,\"pid_start\":1,\"owner\":0}",
		"{\"id\":\"c\",\"id\":\"d\"}",
	};
	struct oci_state s;
	struct err e;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		assert_int_equal(oci_state_from_json(bad[i], strlen(bad[i]), &s, &e), -EINVAL);
		assert_true(strlen(e.msg) > 0);
		oci_state_free(&s);
	}
}

static void test_proc_stat(void **state)
{
	uint64_t start;
	char st;
	struct err e;
	(void)state;

	/* A command name with spaces and a ')' */
	assert_int_equal(oci_parse_proc_stat("42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 "
					     "0 0 20 0 1 0 123456 1000 200",
					     &start, &st, &e),
			 0);
	assert_int_equal(start, 123456);
	assert_int_equal(st, 'S');
	assert_int_equal(oci_parse_proc_stat("42 (x) Z 1 2", &start, &st, &e), -EINVAL);
	assert_int_equal(oci_parse_proc_stat("42 x S 1", &start, &st, &e), -EINVAL);
	assert_int_equal(oci_parse_proc_stat("42 (x)", &start, &st, &e), -EINVAL);
}

/* created while exec.fifo is there, running without it, stopped once the
 * process is a zombie, gone, or a different process with the same pid. */
static void test_status(void **state)
{
	char dir[] = "/tmp/test-oci-state.XXXXXX", fifo[64];
	struct oci_state s;
	struct err e;
	pid_t child;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	usleep(20000);
	fill(&s, child);
	assert_int_equal(mkfifo(fifo, 0622), 0);
	assert_int_equal(oci_state_status(dir, &s), OCI_STATUS_CREATED);
	unlink(fifo);
	assert_int_equal(oci_state_status(dir, &s), OCI_STATUS_RUNNING);
	assert_int_equal(oci_state_save(dir, &s, &e), 0);
	s.pid_start++;
	assert_int_equal(oci_state_status(dir, &s), OCI_STATUS_STOPPED);
	s.pid_start--;
	kill(child, SIGKILL);
	usleep(50000); /* a zombie until reaped */
	assert_int_equal(oci_state_status(dir, &s), OCI_STATUS_STOPPED);
	waitpid(child, NULL, 0);
	assert_int_equal(oci_state_status(dir, &s), OCI_STATUS_STOPPED);
	{
		char path[80], root[40];
		struct oci_state back;
		snprintf(root, sizeof(root), "%s", dir);
		*strrchr(root, '/') = '\0';
		/* load by root + id: the directory's own name is the id */
		assert_int_equal(oci_state_load(root, strrchr(dir, '/') + 1, &back, &e), 0);
		assert_int_equal(back.pid, child);
		assert_int_equal(oci_state_load(root, "no-such-container", &back, &e), -ENOENT);
		assert_non_null(strstr(e.msg, "does not exist"));
		snprintf(path, sizeof(path), "%s/state.json", dir);
		unlink(path);
	}
	rmdir(dir);
}

static void test_oci_json(void **state)
{
	struct oci_state s;
	json_t *o;
	char *text;
	(void)state;

	fill(&s, getpid());
	s.annotations_json = strdup("{\"org.example\":\"1\"}");
	text = oci_state_oci_json(&s, OCI_STATUS_RUNNING);
	o = json_loads(text, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "ociVersion")), OCI_SPEC_VERSION);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "running");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), getpid());
	assert_string_equal(json_string_value(json_object_get(o, "bundle")), "/b");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "annotations"),
							      "org.example")),
			    "1");
	json_decref(o);
	free(text);
	/* stopped: no pid */
	text = oci_state_oci_json(&s, OCI_STATUS_STOPPED);
	o = json_loads(text, 0, NULL);
	assert_null(json_object_get(o, "pid"));
	json_decref(o);
	free(text);
	oci_state_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_proc_stat),  cmocka_unit_test(test_status),
		cmocka_unit_test(test_oci_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
