/* The loaded objects for the graph file (graph_objects.h): one dl_iterate_phdr walk collects each
 * object's PT_LOAD ranges and its GNU build-id note (mapped with the object, so no file is read). */
#include "graph_objects.h"
#include "elf_symbols.h"

#include <elf.h>
#include <link.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct collect {
	struct graph_objects *t;
	int cap_objects, cap_segments;
	int failed;
};

/* The build-id in a PT_NOTE segment: an NT_GNU_BUILD_ID note named "GNU". */
static void note_build_id(const struct dl_phdr_info *info, const ElfW(Phdr) *ph, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
	const unsigned char *end = p + ph->p_memsz;
	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
		size_t name_len = (n->n_namesz + 3) & ~(size_t)3, desc_len = (n->n_descsz + 3) & ~(size_t)3;
		const unsigned char *name = p + sizeof *n, *desc = name + name_len;
		if (desc + desc_len > end)
			return;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
			size_t k = n->n_descsz < 20 ? n->n_descsz : 20;
			for (size_t i = 0; i < k; i++) {
				out[2 * i] = hex[desc[i] >> 4];
				out[2 * i + 1] = hex[desc[i] & 15];
			}
			out[2 * k] = '\0';
			return;
		}
		p = desc + desc_len;
	}
}

static char *main_program_path(void)
{
	char buf[PATH_MAX];
	elf_main_program_path(buf, sizeof buf);
	return strdup(buf);
}

static int add_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct collect *c = arg;
	struct graph_objects *t = c->t;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		t->adds = info->dlpi_adds;
		t->subs = info->dlpi_subs;
	}
	int loads = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		loads += info->dlpi_phdr[i].p_type == PT_LOAD;
	if (!loads)
		return 0;
	if (t->nobjects == c->cap_objects) {
		int cap = c->cap_objects ? 2 * c->cap_objects : 32;
		struct graph_object *p = realloc(t->objects, (size_t)cap * sizeof *p);
		if (!p)
			return c->failed = 1;
		t->objects = p;
		c->cap_objects = cap;
	}
	if (t->nsegments + loads > c->cap_segments) {
		int cap = c->cap_segments ? 2 * c->cap_segments : 128;
		while (cap < t->nsegments + loads)
			cap *= 2;
		struct graph_segment *p = realloc(t->segments, (size_t)cap * sizeof *p);
		if (!p)
			return c->failed = 1;
		t->segments = p;
		c->cap_segments = cap;
	}
	struct graph_object *o = &t->objects[t->nobjects];
	memset(o, 0, sizeof *o);
	o->bias = info->dlpi_addr;
	o->path = t->nobjects == 0 && (!info->dlpi_name || !info->dlpi_name[0]) ? main_program_path()
									   : strdup(info->dlpi_name ? info->dlpi_name : "");
	if (!o->path)
		return c->failed = 1;
	const char *slash = strrchr(o->path, '/');
	o->name = slash ? slash + 1 : o->path;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_NOTE && !o->build_id[0])
			note_build_id(info, ph, o->build_id);
		if (ph->p_type != PT_LOAD)
			continue;
		struct graph_segment *s = &t->segments[t->nsegments++];
		s->lo = info->dlpi_addr + ph->p_vaddr;
		s->hi = s->lo + ph->p_memsz;
		s->object = t->nobjects;
	}
	t->nobjects++;
	return 0;
}

static int by_lo(const void *a, const void *b)
{
	const struct graph_segment *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int graph_objects_load(struct graph_objects *t)
{
	struct collect c = { t, 0, 0, 0 };
	memset(t, 0, sizeof *t);
	dl_iterate_phdr(add_object, &c);
	if (c.failed) {
		graph_objects_free(t);
		return -1;
	}
	if (t->nsegments > 1)
		qsort(t->segments, (size_t)t->nsegments, sizeof *t->segments, by_lo);
	return 0;
}

void graph_objects_free(struct graph_objects *t)
{
	for (int i = 0; i < t->nobjects; i++)
		free(t->objects[i].path);
	free(t->objects);
	free(t->segments);
	memset(t, 0, sizeof *t);
}

const struct graph_object *graph_objects_find(const struct graph_objects *t, uintptr_t addr)
{
	int lo = 0, hi = t->nsegments - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const struct graph_segment *s = &t->segments[mid];
		if (addr < s->lo)
			hi = mid - 1;
		else if (addr >= s->hi)
			lo = mid + 1;
		else
			return &t->objects[s->object];
	}
	return NULL;
}

const struct graph_object *graph_objects_main(const struct graph_objects *t)
{
	return t->nobjects > 0 ? &t->objects[0] : NULL;
}

struct counters {
	unsigned long long adds, subs;
	int known;
};

static int read_counters(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct counters *c = arg;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		c->adds = info->dlpi_adds;
		c->subs = info->dlpi_subs;
		c->known = 1;
	}
	return 1;
}

int graph_objects_stale(const struct graph_objects *t)
{
	struct counters c = { 0, 0, 0 };
	dl_iterate_phdr(read_counters, &c);
	return !c.known || c.adds != t->adds || c.subs != t->subs;
}
