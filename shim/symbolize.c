/* symbolize: the host side of symbolization (symbolize.h).  The work happens in libcoffman-deps.so's
 * private namespace (deps_symbolize.c); here calls are serialised — libdw's session is not
 * thread-safe — and, when that library is missing, the loaded objects' dynamic symbol tables give at
 * least the function and object (elf_symbols.c: read in memory, not asked of dladdr, which takes the
 * loader's lock that a thread inside dlopen may hold while waiting for the reporting thread's lock). */
#include "symbolize.h"
#include "deps.h"
#include "elf_symbols.h"
#include "ilock.h"
#include "mem.h"
#include "perf_map.h"

#include <limits.h>
#include <link.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static struct ilock sym_lock = ILOCK_INIT;

/* An object was unloaded: what the session knows at its addresses may now be another object.  Passed on
 * to the symbolizer under sym_lock, before its next lookup; the cache below is emptied then too. */
static atomic_int modules_unloaded;
static atomic_int cache_stale;

void symbolize_objects_unloaded(void)
{
	atomic_store(&cache_stale, 1);
	atomic_store(&modules_unloaded, 1);
}

/* The code addresses symbolized lately, and what they gave.  Reports show the same few hundred return
 * addresses over and over (GStreamer's playbin: 36 reports, 14,440 frames, 269 distinct addresses),
 * and in an object without debug info every lookup is a scan of its whole symbol table — libdw's
 * dwfl_module_addrname, then dwfl_module_addrinfo, then the dynamic symbols when none covers it —
 * 0.1-0.4 ms a frame there: seconds, spent by the thread that found the cycle, often while it holds the
 * program's locks.  Direct-mapped by address, under sym_lock; an entry counts only if it has the current
 * generation (an unloaded object empties the cache by a new generation, without touching its pages).
 * The table is coffman's own memory (mem.h), mapped at the first lookup and resident only where
 * written; without it, every lookup is made afresh. */
#define SYM_CACHE_SLOTS 1024    /* a power of two */
struct sym_entry {
	uintptr_t addr;
	unsigned gen;
	unsigned char has_frame;        /* frame is symbolize_code's answer (but for pc) */
	unsigned char single;           /* ... and symbolize_code_inlined's whole answer: no inlined call */
	unsigned char name_state;       /* 0 not asked, 1 name is the function's name, 2 none known */
	char name[sizeof ((struct frame_info *)0)->func];
	struct frame_info frame;
};
static struct sym_entry *sym_cache;
static int sym_cache_failed;
static unsigned sym_cache_gen = 1;

/* Under sym_lock: addr's entry, made current for addr (emptied if it held another address or an older
 * generation), or NULL if there is no cache. */
static struct sym_entry *cache_slot(uintptr_t addr)
{
	if (!sym_cache && !sym_cache_failed) {
		sym_cache = mem_zalloc_aligned(SYM_CACHE_SLOTS * sizeof *sym_cache, 4096);
		sym_cache_failed = sym_cache == NULL;
	}
	if (!sym_cache)
		return NULL;
	struct sym_entry *e = &sym_cache[(addr * 0x9e3779b97f4a7c15ull) >> 54 & (SYM_CACHE_SLOTS - 1)];
	if (e->addr != addr || e->gen != sym_cache_gen) {
		e->addr = addr;
		e->gen = sym_cache_gen;
		e->has_frame = e->single = e->name_state = 0;
	}
	return e;
}

/* Under sym_lock. */
static const struct deps_api *symbolizer(void)
{
	const struct deps_api *api = deps_now();
	if (atomic_exchange(&cache_stale, 0))
		sym_cache_gen++;
	if (api && atomic_exchange(&modules_unloaded, 0))
		api->objects_unloaded();
	return api;
}

static void basename_into(char *dst, size_t cap, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	snprintf(dst, cap, "%s", slash ? slash + 1 : path ? path : "");
}

/* The code ranges of objects dlclose unloaded, newest last (a ring), under sym_lock.  VLC unloads its
 * plugins before exit (258 objects after one transcode), so without these the profile written then named
 * every frame and lock creation site in a plugin (libavcodec's frame-thread locks, the x264 encoder's)
 * "??+0x0" or a bare address.  Mapped (coffman's own memory) at the first unload. */
#define UNLOADED_MAX 1024
struct unloaded_obj {
	uintptr_t lo, hi, bias;
	char path[sizeof ((struct frame_info *)0)->object_path];       /* as the loader had it */
};
static struct unloaded_obj *unloaded;
static int unloaded_failed;
static unsigned unloaded_count;         /* ever noted; the ring holds the last UNLOADED_MAX */

void symbolize_note_unloaded(uintptr_t lo, uintptr_t hi, uintptr_t bias, const char *path)
{
	if (!path || !path[0] || hi <= lo)
		return;
	ilock_acquire(&sym_lock);
	if (!unloaded && !unloaded_failed) {
		unloaded = mem_zalloc_aligned(UNLOADED_MAX * sizeof *unloaded, 4096);
		unloaded_failed = unloaded == NULL;
	}
	if (unloaded) {
		struct unloaded_obj *u = &unloaded[unloaded_count++ % UNLOADED_MAX];
		u->lo = lo;
		u->hi = hi;
		u->bias = bias;
		snprintf(u->path, sizeof u->path, "%s", path);
	}
	ilock_release(&sym_lock);
}

/* Under sym_lock: a frame no loaded object claimed, in the code of an object unloaded since: that object
 * and the offset (the newest such object, if the range was reused). */
static void unloaded_fallback(uintptr_t addr, struct frame_info *out)
{
	if (out->object[0] || out->func[0] || !unloaded)
		return;
	unsigned n = unloaded_count < UNLOADED_MAX ? unloaded_count : UNLOADED_MAX;
	for (unsigned k = 0; k < n; k++) {
		const struct unloaded_obj *u = &unloaded[(unloaded_count - 1 - k) % UNLOADED_MAX];
		if (addr >= u->lo && addr < u->hi) {
			basename_into(out->object, sizeof out->object, u->path);
			if (u->path[0] == '/')
				snprintf(out->object_path, sizeof out->object_path, "%s", u->path);
			out->offset = addr - u->bias;
			out->has_offset = 1;
			return;
		}
	}
}

/* Under sym_lock: a frame in no object, the one unloaded ones included: code a JIT made, named by the
 * JIT's perf map if it writes one (perf_map.c), as "name+0x1c (perf-PID.map)". */
static void jit_fallback(uintptr_t addr, struct frame_info *out)
{
	uintptr_t start = 0;
	if (out->object[0] || out->func[0] ||
	    !perf_map_lookup(addr, out->func, sizeof out->func, &start, out->object, sizeof out->object))
		return;
	out->func_offset = addr - start;
	out->has_func_offset = 1;
}

/* Under sym_lock: a frame no loaded object claimed (unloaded code, then JIT code). */
static void outside_objects_fallback(uintptr_t addr, struct frame_info *out)
{
	unloaded_fallback(addr, out);
	jit_fallback(addr, out);
}

/* Without libdw: the exported symbol containing addr and the object with the address's offset in it
 * (addr minus the object's load bias), which is still enough for addr2line later. */
static void symbolize_by_loader_tables(uintptr_t addr, uintptr_t pc, struct frame_info *out)
{
	struct elf_addr_info info;
	memset(out, 0, sizeof *out);
	out->pc = pc;
	if (!elf_addr_lookup(addr, &info))
		return;
	if (info.sym) {
		snprintf(out->func, sizeof out->func, "%s", info.sym);
		out->func_offset = addr - info.sym_addr;
		out->has_func_offset = 1;
	}
	char exe[sizeof out->object_path];
	const char *path = info.path[0] ? info.path : (elf_main_program_path(exe, sizeof exe), exe);
	basename_into(out->object, sizeof out->object, path);
	if (path[0] == '/' && strlen(path) < sizeof out->object_path)
		snprintf(out->object_path, sizeof out->object_path, "%s", path);
	out->offset = addr - info.base;
	out->has_offset = 1;
}

void symbolize_code(uintptr_t pc, int is_return_address, struct frame_info *out)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	struct sym_entry *e = cache_slot(addr);
	if (e && e->has_frame) {
		*out = e->frame;
		out->pc = pc;
	} else {
		if (api)
			api->symbolize_code(addr, pc, out);
		else
			symbolize_by_loader_tables(addr, pc, out);
		outside_objects_fallback(addr, out);
		if (e) {
			e->frame = *out;
			e->has_frame = 1;
		}
	}
	ilock_release(&sym_lock);
}

int symbolize_code_inlined(uintptr_t pc, int is_return_address, struct frame_info *out, int max)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	if (max <= 0)
		return 0;
	int n = 1;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	struct sym_entry *e = cache_slot(addr);
	if (e && e->single) {
		out[0] = e->frame;
		out[0].pc = pc;
	} else {
		if (api)
			n = api->symbolize_code_inlined(addr, pc, out, max);
		else
			symbolize_by_loader_tables(addr, pc, out);
		if (n == 1)
			outside_objects_fallback(addr, out);
		/* One frame is the whole answer only if there was room for more: with max 1 an inlined
		 * call is not looked for.  Then out[0] is also what symbolize_code gives. */
		if (e && n == 1 && max > 1) {
			e->frame = out[0];
			e->has_frame = e->single = 1;
		}
	}
	ilock_release(&sym_lock);
	return n;
}

int symbolize_function_name(uintptr_t pc, int is_return_address, char *name, size_t len)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	int found = 0;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	struct sym_entry *e = cache_slot(addr);
	/* Looked up into the entry's buffer (or a local one) whole, whatever len this caller has. */
	char local[sizeof e->name];
	char *buf = e ? e->name : local;
	if (e && e->name_state) {
		found = e->name_state == 1;
	} else {
		if (api) {
			found = api->symbolize_function_name(addr, buf, sizeof local);
		} else {
			struct elf_addr_info info;
			if (elf_addr_lookup(addr, &info) && info.sym) {
				snprintf(buf, sizeof local, "%s", info.sym);
				found = 1;
			}
		}
		if (e)
			e->name_state = found ? 1 : 2;
	}
	if (found)
		snprintf(name, len, "%s", buf);
	ilock_release(&sym_lock);
	return found;
}

int symbolize_data(uintptr_t addr, char *name, size_t len)
{
	int found = 0;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	if (api)
		found = api->symbolize_data(addr, name, len);
	ilock_release(&sym_lock);
	return found;
}

int symbolize_data_object(uintptr_t addr, char *object, size_t len, uintptr_t *offset)
{
	struct elf_addr_info info;
	if (!elf_addr_lookup(addr, &info))
		return 0;
	char exe[PATH_MAX];
	const char *path = info.path[0] ? info.path : (elf_main_program_path(exe, sizeof exe), exe);
	basename_into(object, len, path);
	*offset = addr - info.base;
	return object[0] != '\0';
}

int symbolize_data_place(uintptr_t addr, char *buf, size_t len)
{
	char object[128];
	uintptr_t offset = 0;
	if (!symbolize_data_object(addr, object, sizeof object, &offset))
		return 0;
	snprintf(buf, len, "%s+0x%lx", object, (unsigned long)offset);
	return 1;
}

void symbolize_lock_for_fork(void) { ilock_acquire(&sym_lock); }
void symbolize_unlock_after_fork(void) { ilock_release(&sym_lock); }

void symbolize_after_fork_child(void)
{
	ilock_reset(&sym_lock);
	/* The parent's session describes the same mappings; keep it. */
}
