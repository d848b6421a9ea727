/* libFuzzer target: minictr's OCI command line (oci_cli.c) and its state
 * record (oci_state.c), the two things a user (or a damaged --root) hands
 * the runtime besides config.json. The input's first byte picks which; the
 * rest is NUL/newline-separated argv words, or state.json text. Beyond no
 * crash or sanitizer report: a parsed command line keeps its promises (an
 * ID that passes oci_id_check where the command takes one, an absolute
 * --root, exec with a command or --process but not both, a known signal);
 * a refusal says why; a state record that parses survives a round trip
 * through its JSON unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/minictr/oci_cli.h"
#include "tools/minictr/oci_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 48

static void check_cli(const struct oci_cli *c)
{
	struct err e;
	int sig;

	if (c->help || c->cmd == OCI_CMD_NONE)
		return;
	if (c->root[0] != '/')
		abort();
	if (c->cmd != OCI_CMD_LIST && c->cmd != OCI_CMD_SPEC &&
	    (!c->id || oci_id_check(c->id, &e) != 0))
		abort();
	if (c->cmd == OCI_CMD_EXEC && (c->n_args > 0) == (c->process != NULL))
		abort();
	if (oci_signal_parse(c->signal, &sig, &e) != 0)
		abort();
}

static void fuzz_cli(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_WORDS + 2];
	struct oci_cli c;
	struct err e = { 0 };
	int argc = 0;

	if (!buf)
		return;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)(uintptr_t) "minictr";
	for (char *p = buf, *end = buf + size; p <= end && argc <= MAX_WORDS; p++) {
		argv[argc++] = p;
		while (p < end && *p && *p != '\n')
			p++;
		*p = '\0';
	}
	argv[argc] = NULL;
	if (oci_cli_parse(argc, argv, &c, &e) == 0)
		check_cli(&c);
	else if (!e.msg[0])
		abort();
	(void)oci_cli_is_oci(argc, argv);
	free(buf);
}

static void fuzz_state(const uint8_t *data, size_t size)
{
	struct oci_state a, b;
	struct err e = { 0 };
	char *text, *again;

	if (oci_state_from_json((const char *)data, size, &a, &e) != 0) {
		if (!e.msg[0])
			abort();
		oci_state_free(&a);
		return;
	}
	text = oci_state_to_json(&a);
	if (!text || oci_state_from_json(text, strlen(text), &b, &e) != 0)
		abort();
	again = oci_state_to_json(&b);
	if (!again || strcmp(text, again) != 0 || a.pid != b.pid || a.pid_start != b.pid_start)
		abort();
	free(text);
	free(again);
	oci_state_free(&a);
	oci_state_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_state(data + 1, size - 1);
	else
		fuzz_cli(data + 1, size - 1);
	return 0;
}
