/* dlclose: the end of a library's global locks.
 *
 * A lock is known by its address.  A static lock inside a shared object lives in that object's
 * writable segment; once dlclose really unloads the object, the lock is gone, and another object
 * mapped at the same address later (the usual outcome of the next dlopen) has different locks at the
 * same addresses.  Keeping the old locks' lock-order edges would join the two libraries' locks into
 * false cycles.  So: note the loaded objects before the real dlclose, and if some disappeared (glibc's
 * unload counter moved), forget every lock inside their segments, and have the symbolizer read the
 * module list again (its old entry would name the next object's code with the unloaded one's
 * functions), and the unwinder retire the unwind rules it read (the next object's code has others).
 * dlclose is rare; the cost is a few walks of the loaded-object list.
 */
#include "wrap.h"
#include "graph_file.h"
#include "init_sites.h"
#include "order.h"
#include "stacks.h"
#include "symbolize.h"

#include <link.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct segment {
	uintptr_t object;               /* dlpi_addr and dlpi_phdr together name one loaded object */
	const void *phdr;
	uintptr_t lo, hi;
	int code;                       /* executable (PF_X) */
	size_t name;                    /* the object's path: an offset in names (the loader's copy goes
	                                 * with the object) */
};

struct loaded {
	struct segment *seg;
	size_t n, cap;
	char *names;                    /* the paths, each NUL-ended */
	size_t names_len, names_cap;
	unsigned long long unloads;     /* dlpi_subs: objects ever unloaded */
	int failed;
};

/* The offset of a copy of path in l->names, or (size_t)-1. */
static size_t keep_name(struct loaded *l, const char *path)
{
	size_t len = strlen(path ? path : "") + 1;
	if (l->names_len + len > l->names_cap) {
		size_t cap = l->names_cap ? l->names_cap : 4096;
		while (cap < l->names_len + len)
			cap *= 2;
		char *p = realloc(l->names, cap);
		if (!p)
			return (size_t)-1;
		l->names = p;
		l->names_cap = cap;
	}
	memcpy(l->names + l->names_len, path ? path : "", len);
	l->names_len += len;
	return l->names_len - len;
}

static int note_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded *l = arg;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
		l->unloads = info->dlpi_subs;
	size_t name = (size_t)-1;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			struct segment *p = realloc(l->seg, cap * sizeof *p);
			if (!p) {
				l->failed = 1;
				return 1;
			}
			l->seg = p;
			l->cap = cap;
		}
		struct segment *s = &l->seg[l->n++];
		s->object = info->dlpi_addr;
		s->phdr = info->dlpi_phdr;
		s->lo = info->dlpi_addr + ph->p_vaddr;
		s->hi = s->lo + ph->p_memsz;
		s->code = (ph->p_flags & PF_X) != 0;
		if (s->code && name == (size_t)-1)
			name = keep_name(l, info->dlpi_name);
		s->name = s->code ? name : (size_t)-1;
	}
	return 0;
}

static int still_loaded(const struct loaded *now, const struct segment *s)
{
	for (size_t i = 0; i < now->n; i++)
		if (now->seg[i].object == s->object && now->seg[i].phdr == s->phdr)
			return 1;
	return 0;
}

static unsigned long long unload_count(void)
{
	struct loaded l = { 0 };
	dl_iterate_phdr(note_object, &l);
	free(l.seg);
	free(l.names);
	return l.unloads;
}

EXPORT int dlclose(void *handle)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(dlclose)(handle);
	struct loaded before = { 0 };
	dl_iterate_phdr(note_object, &before);
	graph_file_before_dlclose();
	int rc = REAL(dlclose)(handle);
	if (rc == 0 && !before.failed && unload_count() != before.unloads) {
		struct loaded after = { 0 };
		dl_iterate_phdr(note_object, &after);
		symbolize_objects_unloaded();
		stacks_objects_unloaded();
		if (!after.failed)
			for (size_t i = 0; i < before.n; i++)
				if (!still_loaded(&after, &before.seg[i])) {
					const struct segment *s = &before.seg[i];
					order_forget_range(s->lo, s->hi);
					graph_file_forget_range(s->lo, s->hi);
					init_sites_forget_range(s->lo, s->hi);
					if (s->code && s->name != (size_t)-1)
						symbolize_note_unloaded(s->lo, s->hi, s->object,
									before.names + s->name);
				}
		free(after.seg);
		free(after.names);
	}
	free(before.seg);
	free(before.names);
	shim_leave();
	return rc;
}
