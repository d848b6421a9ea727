/* libFuzzer target: any bytes as a config.json (oci_spec_parse), as a
 * process file (oci_process_parse) and, split at whitespace and commas, as
 * mount options (oci_mount_options). Beyond no crash or sanitizer report
 * (leaks included): an error without a message or that leaves the spec
 * set; a success that breaks oci_spec.h's promises (args and env
 * NULL-terminated with n_args >= 1, absolute cwd, mount destinations, hook
 * paths and namespace paths, unique namespace types, rlimits soft <= hard,
 * seccomp argument indexes 0..5, bind set exactly when MS_BIND is); mount
 * options that set and clear the same flag, or data with an empty option.
 * Each input is also tried as the value of a section of a valid config, to
 * reach the section parsers without first having to find the rest. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "tools/minictr/oci_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 64

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void check_failure(int r, const struct err *e, const void *out, size_t out_size)
{
	check(r == -EINVAL || r == -ENOMEM);
	check(e->msg[0] != '\0' && memchr(e->msg, '\0', sizeof(e->msg)));
	check(all_zero(out, out_size));
}

static void check_strings(const char *const *list, size_t n, bool may_be_null)
{
	if (!list) {
		check(may_be_null && n == 0);
		return;
	}
	for (size_t i = 0; i < n; i++)
		check(list[i] != NULL);
	check(list[n] == NULL);
}

static void check_process(const struct oci_process *p)
{
	check(p->n_args >= 1 && p->args && p->args[0][0]);
	check_strings(p->args, p->n_args, false);
	check_strings(p->env, p->n_env, false);
	for (size_t i = 0; i < p->n_env; i++)
		check(strchr(p->env[i], '=') > p->env[i]);
	check(p->cwd && p->cwd[0] == '/');
	check(p->console_height <= UINT16_MAX && p->console_width <= UINT16_MAX);
	check(p->has_caps || (p->caps.bounding | p->caps.effective | p->caps.permitted |
			      p->caps.inheritable | p->caps.ambient) == 0);
	check(!p->user.has_umask || p->user.umask <= 0777);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		check(p->rlimits[i].soft <= p->rlimits[i].hard);
		for (size_t j = 0; j < i; j++)
			check(p->rlimits[i].resource != p->rlimits[j].resource);
	}
	check(p->oom_score_adj >= -1000 && p->oom_score_adj <= 1000);
	check(p->has_oom_score_adj || p->oom_score_adj == 0);
}

static void check_mount(const struct oci_mount *m)
{
	check(m->destination && m->destination[0] == '/');
	check(m->bind == ((m->flags & MS_BIND) != 0));
	check(!m->bind || (m->source && m->source[0]));
	check(!m->type || m->type[0]);
	check((m->flags & m->clear) == 0);
	check(!m->data || m->data[0]);
}

static void check_hooks(const struct oci_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct oci_hook *h = &l->hooks[i];

		check(h->path && h->path[0] == '/');
		check_strings(h->args, h->n_args, true);
		check_strings(h->env, h->n_env, true);
		check(h->timeout >= 0);
	}
}

static void check_namespaces(const struct oci_linux *l)
{
	bool user = false;

	check(l->n_namespaces <= OCI_NS_COUNT);
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];

		check((unsigned)ns->type < OCI_NS_COUNT);
		check(oci_ns_type_from_name(oci_ns_type_name(ns->type)) == (int)ns->type);
		check(!ns->path || ns->path[0] == '/');
		for (size_t j = 0; j < i; j++)
			check(l->namespaces[j].type != ns->type);
		user |= ns->type == OCI_NS_USER;
	}
	check(user || (l->n_uid_mappings == 0 && l->n_gid_mappings == 0));
	for (size_t i = 0; i < l->n_uid_mappings; i++)
		check(l->uid_mappings[i].size > 0);
	for (size_t i = 0; i < l->n_gid_mappings; i++)
		check(l->gid_mappings[i].size > 0);
}

static void check_resources(const struct oci_resources *rs)
{
	for (size_t i = 0; i < rs->n_device_rules; i++) {
		const struct oci_device_rule *d = &rs->device_rules[i];

		check(d->type == 'a' || d->type == 'b' || d->type == 'c');
		check(d->major >= -1 && d->minor >= -1);
		check(d->read || d->write || d->mknod);
	}
	check(rs->blkio_weight == 0 || (rs->blkio_weight >= 10 && rs->blkio_weight <= 1000));
	for (size_t i = 0; i < rs->n_unified; i++)
		check(rs->unified_keys[i] && rs->unified_keys[i][0] && rs->unified_values[i]);
	check(!rs->cpu_cpus || rs->cpu_cpus[0]);
	check(!rs->cpu_mems || rs->cpu_mems[0]);
}

static void check_seccomp(const struct oci_seccomp *sc)
{
	check(sc->default_action <= OCI_SCMP_LOG);
	check_strings(sc->architectures, sc->n_architectures, true);
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct oci_seccomp_rule *r = &sc->rules[i];

		check(r->n_names >= 1);
		check_strings(r->names, r->n_names, false);
		check(r->action <= OCI_SCMP_LOG);
		for (size_t j = 0; j < r->n_args; j++)
			check(r->args[j].index <= 5 && r->args[j].op <= OCI_SCMP_CMP_MASKED_EQ);
	}
}

static void check_linux(const struct oci_linux *l)
{
	check_namespaces(l);
	for (size_t i = 0; i < l->n_devices; i++)
		check(l->devices[i].path[0] == '/' && strchr("cbup", l->devices[i].type));
	if (l->has_resources)
		check_resources(&l->resources);
	else
		check(all_zero(&l->resources, sizeof(l->resources)));
	if (l->has_seccomp)
		check_seccomp(&l->seccomp);
	check_strings(l->masked_paths, l->n_masked_paths, true);
	check_strings(l->readonly_paths, l->n_readonly_paths, true);
	for (size_t i = 0; i < l->n_masked_paths; i++)
		check(l->masked_paths[i][0] == '/');
	for (size_t i = 0; i < l->n_sysctl; i++)
		check(l->sysctl[i].key && l->sysctl[i].key[0] && l->sysctl[i].value);
	check(!l->cgroups_path || l->cgroups_path[0]);
}

static void check_spec(const struct oci_spec *s)
{
	check(s->json && s->oci_version && strncmp(s->oci_version, "1.", 2) == 0);
	check(s->root_path && s->root_path[0]);
	check(!s->hostname || s->hostname[0]);
	if (s->has_process)
		check_process(&s->process);
	else
		check(all_zero(&s->process, sizeof(s->process)));
	for (size_t i = 0; i < s->n_mounts; i++)
		check_mount(&s->mounts[i]);
	check_hooks(&s->hooks.prestart);
	check_hooks(&s->hooks.create_runtime);
	check_hooks(&s->hooks.create_container);
	check_hooks(&s->hooks.start_container);
	check_hooks(&s->hooks.poststart);
	check_hooks(&s->hooks.poststop);
	check_linux(&s->linux_);
}

static void fuzz_spec(const char *text, size_t size)
{
	struct oci_spec s;
	struct err e;
	int r;

	err_clear(&e);
	r = oci_spec_parse(text, size, &s, &e);
	if (r < 0) {
		check_failure(r, &e, &s, sizeof(s));
		return;
	}
	check(r == 0);
	check_spec(&s);
	oci_spec_free(&s);
	check(all_zero(&s, sizeof(s)));
}

static void fuzz_process(const char *text, size_t size)
{
	struct oci_process p;
	struct err e;
	void *json = (void *)&e;
	int r;

	err_clear(&e);
	r = oci_process_parse(text, size, &p, &json, &e);
	if (r < 0) {
		check_failure(r, &e, &p, sizeof(p));
		check(json == NULL);
		return;
	}
	check(r == 0 && json != NULL);
	check_process(&p);
	oci_process_free(&p);
	oci_json_free(json);
}

/* data: comma-separated options, none of them empty. */
static bool data_well_formed(const char *data)
{
	if (!data)
		return true;
	for (const char *p = data;; p++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == 0)
			return false;
		if (!comma)
			return true;
		p = comma;
	}
}

static void fuzz_options(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *save = NULL;
	const char *words[MAX_WORDS];
	struct oci_mount m;
	struct err e;
	size_t n = 0;
	int r;

	if (!copy)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *w = strtok_r(copy, " \t\n,", &save); w && n < MAX_WORDS;
	     w = strtok_r(NULL, " \t\n,", &save))
		words[n++] = w;
	err_clear(&e);
	r = oci_mount_options(words, n, &m, &e);
	if (r < 0) {
		check(r == -EINVAL || r == -ENOMEM);
		check(e.msg[0] && !m.data);
	} else {
		check((m.flags & m.clear) == 0);
		check(m.bind == ((m.flags & MS_BIND) != 0));
		check(data_well_formed(m.data));
		free(m.data);
	}
	free(copy);
}

/* The input as the value of key in a config that is valid without it. */
static void fuzz_section(const char *key, const uint8_t *data, size_t size)
{
	static const char head[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
				   "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},";
	size_t klen = strlen(key), len = sizeof(head) - 1 + klen + 4 + size + 1;
	char *text = malloc(len), *p = text;

	if (!text)
		return;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	*p++ = '"';
	memcpy(p, key, klen);
	p += klen;
	memcpy(p, "\":", 2);
	p += 2;
	memcpy(p, data, size);
	p += size;
	*p++ = '}';
	fuzz_spec(text, (size_t)(p - text));
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = { "process", "mounts", "hooks", "linux" };
	const char *text = (const char *)data;

	fuzz_spec(text, size);
	/* The first byte picks the section; the rest is its value. */
	if (size > 0)
		fuzz_section(sections[data[0] % 4], data + 1, size - 1);
	fuzz_process(text, size);
	fuzz_options(data, size);
	return 0;
}
