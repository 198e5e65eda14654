/* wrap_glib: GLib's GMutex and the GCond waits that release one.
 *
 * Since GLib 2.54 a GMutex on Linux is a futex word of its own (0 free, 1 taken, 2 taken with
 * waiters), not a pthread mutex: g_mutex_lock is a compare-and-swap and a futex call, and none of the
 * pthread wrappers ever sees it.  These wrappers make it a lock like any other, through the same events
 * as an annotated lock (annotate.h, the "family" entry points), under the kind name "GMutex".
 *
 * What they can and cannot see: GLib is linked -Bsymbolic-functions, so its calls to its own
 * g_mutex_lock (GMainContext, GAsyncQueue, g_once_init_enter, ...) bind inside libglib and never reach
 * here; calls from every other object (the program, libgobject, libgio, GTK, GStreamer) do.  So a
 * release of a GMutex coffman did not see taken is not a bad unlock (GLib may have taken it), and a
 * hold it recorded but GLib ended unseen is dropped at its next acquisition, which finds the word free
 * (owner_of below).  A GCond wait releases its mutex inside GLib: g_cond_wait and the timed waits are
 * wrapped to say so, like pthread_cond_wait's wrapper.
 *
 * The real functions are looked up in libglib itself, found among the loaded objects as the one that
 * defines both g_mutex_lock and glib_major_version (so a libglib loaded RTLD_LOCAL by a plugin is found
 * too), at start-up when GLib is already loaded, else at the first call.  The lookup reads the
 * object's symbol table in memory (elf_symbols.c) rather than calling dlsym: at a first call from a
 * wrapper, dlsym would wait for the loader's lock, which a thread inside dlopen holds while its
 * constructors run — and such a constructor may be waiting for a lock the caller holds.  A GLib older than 2.54 (a pthread mutex inside, seen by the pthread wrappers
 * already) is passed through untracked.  Nothing here runs for a program without GLib: these symbols
 * are only ever called by code linked against it.
 */
#include "annotate.h"
#include "elf_symbols.h"
#include "profile.h"
#include "wrap.h"
#include "wrap_glib.h"

#include <dlfcn.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define GLIB_FUTEX_MINOR 54     /* GMutex is a futex word from GLib 2.54 on (Linux) */

struct glib_fns {
	void (*mutex_init)(void *m);
	void (*mutex_clear)(void *m);
	void (*mutex_lock)(void *m);
	int (*mutex_trylock)(void *m);
	void (*mutex_unlock)(void *m);
	void (*cond_wait)(void *c, void *m);
	int (*cond_wait_until)(void *c, void *m, int64_t end_time);
	int (*cond_timed_wait)(void *c, void *m, void *abs_time);
	int track;              /* the futex GMutex: wrap; else pass through */
	int kind;               /* the lock kind "GMutex" */
};

static struct glib_fns glib;
static atomic_int glib_state;   /* 0 not looked up, 1 being looked up, 2 done */

/* GLib's GRecMutex and GRWLock functions (their code, from their dynamic symbols' sizes), for
 * glib_lock_call_at, which asks about return addresses: (lo, hi], all of them within (all_lo,
 * all_hi].  Filled before glib_state says done. */
static const struct {
	const char *name;
	enum glib_lock_call call;
} glib_lock_names[] = {
	{ "g_rec_mutex_init", GLIB_CALL_INIT },
	{ "g_rw_lock_init", GLIB_CALL_INIT },
	{ "g_rec_mutex_lock", GLIB_CALL_ON_USE },
	{ "g_rec_mutex_trylock", GLIB_CALL_ON_USE },
	{ "g_rec_mutex_unlock", GLIB_CALL_ON_USE },
	{ "g_rw_lock_writer_lock", GLIB_CALL_ON_USE },
	{ "g_rw_lock_writer_trylock", GLIB_CALL_ON_USE },
	{ "g_rw_lock_writer_unlock", GLIB_CALL_ON_USE },
	{ "g_rw_lock_reader_lock", GLIB_CALL_ON_USE },
	{ "g_rw_lock_reader_trylock", GLIB_CALL_ON_USE },
	{ "g_rw_lock_reader_unlock", GLIB_CALL_ON_USE },
};
#define GLIB_LOCK_FNS (sizeof glib_lock_names / sizeof glib_lock_names[0])
static struct {
	uintptr_t lo[GLIB_LOCK_FNS], hi[GLIB_LOCK_FNS];
	uintptr_t all_lo, all_hi;
} glib_locks;

static void glib_fill_lock_fns(const struct elf_object *object)
{
	glib_locks.all_lo = UINTPTR_MAX;
	for (size_t i = 0; i < GLIB_LOCK_FNS; i++) {
		if (!elf_symbol_range(object, glib_lock_names[i].name, &glib_locks.lo[i], &glib_locks.hi[i]))
			continue;
		if (glib_locks.lo[i] < glib_locks.all_lo)
			glib_locks.all_lo = glib_locks.lo[i];
		if (glib_locks.hi[i] > glib_locks.all_hi)
			glib_locks.all_hi = glib_locks.hi[i];
	}
}

enum glib_lock_call glib_lock_call_at(uintptr_t pc)
{
	if (atomic_load_explicit(&glib_state, memory_order_acquire) != 2 || pc <= glib_locks.all_lo ||
	    pc > glib_locks.all_hi)
		return GLIB_CALL_NONE;
	for (size_t i = 0; i < GLIB_LOCK_FNS; i++)
		if (pc > glib_locks.lo[i] && pc <= glib_locks.hi[i])   /* a return address: after the call */
			return glib_lock_names[i].call;
	return GLIB_CALL_NONE;
}

/* The dlsym way, for a libglib the walk below cannot read (no GNU hash table): at start-up it is safe;
 * from a wrapper it is the old hazard, taken only then. */
static void *glib_dlsym(void *handle, const char *name)
{
	void *p = handle ? dlsym(handle, name) : NULL;
	return p ? p : dlsym(RTLD_NEXT, name);
}

struct glib_object_lookup {
	const struct elf_object *object;
	elf_lookup_fn lookup;
};

static void *glib_symbol(const struct glib_object_lookup *in, void *handle, const char *name)
{
	return in ? in->lookup(in->object, name) : glib_dlsym(handle, name);
}

static void glib_fill(const struct glib_object_lookup *in, void *handle)
{
	*(void **)&glib.mutex_init = glib_symbol(in, handle, "g_mutex_init");
	*(void **)&glib.mutex_clear = glib_symbol(in, handle, "g_mutex_clear");
	*(void **)&glib.mutex_lock = glib_symbol(in, handle, "g_mutex_lock");
	*(void **)&glib.mutex_trylock = glib_symbol(in, handle, "g_mutex_trylock");
	*(void **)&glib.mutex_unlock = glib_symbol(in, handle, "g_mutex_unlock");
	*(void **)&glib.cond_wait = glib_symbol(in, handle, "g_cond_wait");
	*(void **)&glib.cond_wait_until = glib_symbol(in, handle, "g_cond_wait_until");
	*(void **)&glib.cond_timed_wait = glib_symbol(in, handle, "g_cond_timed_wait");
	const unsigned *major = glib_symbol(in, handle, "glib_major_version");
	const unsigned *minor = glib_symbol(in, handle, "glib_minor_version");
	glib.track = glib.mutex_lock && glib.mutex_trylock && glib.mutex_unlock && major && minor &&
		     (*major > 2 || (*major == 2 && *minor >= GLIB_FUTEX_MINOR));
}

/* libglib is the first loaded object defining both its version and g_mutex_lock (libcoffman defines
 * only the latter). */
static int glib_object(const struct elf_object *object, elf_lookup_fn lookup, void *arg)
{
	(void)arg;
	if (!lookup(object, "glib_major_version") || !lookup(object, "g_mutex_lock"))
		return 0;
	struct glib_object_lookup in = { object, lookup };
	glib_fill(&in, NULL);
	glib_fill_lock_fns(object);
	return 1;
}

static void glib_lookup(void)
{
	if (!elf_each_object(glib_object, NULL))
		glib_fill(NULL, dlopen("libglib-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD));
	if (glib.track)
		glib.kind = annotate_family_kind("GMutex");
	/* A dlopen handle's reference is kept: libglib is NODELETE anyway, and our dlclose is a wrapper. */
}

/* The real functions, looked up once.  A thread that finds another one looking waits for it (it runs
 * for microseconds), unless the looking is its own (dlopen may allocate, and an allocator may lock a
 * GMutex in principle): that re-entry gets what is there, which is enough to pass through. */
static __attribute__((noinline, cold)) const struct glib_fns *glib_fns_slow(void)
{
	static __thread int looking;
	int expected = 0;
	if (atomic_compare_exchange_strong(&glib_state, &expected, 1)) {
		looking = 1;
		glib_lookup();
		looking = 0;
		atomic_store_explicit(&glib_state, 2, memory_order_release);
	} else {
		while (!looking && atomic_load_explicit(&glib_state, memory_order_acquire) != 2)
			sched_yield();
	}
	return &glib;
}

static inline const struct glib_fns *glib_fns(void)
{
	if (__builtin_expect(atomic_load_explicit(&glib_state, memory_order_acquire) == 2, 1))
		return &glib;
	return glib_fns_slow();
}

void glib_init(void)
{
	/* From the constructor, a safe place for the loader's lock, when GLib is loaded already: then
	 * no wrapper call ever has to look (a dlopen inside a wrapper could wait for the loader's lock
	 * while another thread holds it and waits for this one's GMutex). */
	if (dlsym(RTLD_DEFAULT, "glib_major_version"))
		glib_fns();
}

/* A call reached a wrapper whose real function is missing: GLib is not there to call. */
static __attribute__((noreturn, cold)) void glib_missing(const char *name)
{
	static const char msg[] = "coffman: a GLib function was called but libglib-2.0 cannot be found: ";
	ssize_t r = write(2, msg, sizeof msg - 1);
	for (const char *p = name; *p && r >= 0; p++)
		r = write(2, p, 1);
	r = write(2, "\n", 1);
	(void)r;
	abort();
}

#define GREAL(g, fn) ((g)->fn ? (g)->fn : (glib_missing(#fn), (g)->fn))

/* What the word says: free, or taken by a thread it does not name. */
static pid_t gmutex_owner_of(const void *lock)
{
	return __atomic_load_n((const unsigned *)lock, __ATOMIC_RELAXED) ? -1 : 0;
}

/* The hot path, as pthread_mutex_lock's (wrap_mutex.c): a registered thread that records no stack now
 * and counts no profile, that lists no hold of this GMutex (a stale one is the full path's to drop),
 * and that knows the edge from its top held lock; then GLib's own trylock, which found the word free.
 * Nothing here can re-enter the shim.  1: taken and pushed; 0: nothing done, take the full path. */
static inline int gmutex_take_fast(const struct glib_fns *g, void *m, uintptr_t pc)
{
	struct thread_rec *t = tls_self;
	if (!(t != NULL && !tls_guard && !profile_on && ev_fast_enter_ok(t)) || held_find(t, m) >= 0 ||
	    !ev_fast_edge_known(t, m) || !g->mutex_trylock(m))
		return 0;
	ev_push_held_unprofiled(t, m, pc, g->kind, 0);
	return 1;
}

/* Releasing the innermost hold, held once, without the profile: the pop, then GLib's unlock. */
static inline int gmutex_release_fast(void *m)
{
	struct thread_rec *t = tls_self;
	if (!(t != NULL && !tls_guard && !profile_on))
		return 0;
	int top = t->nheld - 1;
	if (top < 0 || t->held[top].lock != m || t->held[top].depth != 1)
		return 0;
	t->nheld = top;
	return 1;
}

/* Taken, by whichever way: the edges and the hold.  A blocking take that had to wait announced
 * itself first (double lock, edges, the published wait); one that found the lock free did not. */
static void gmutex_take(const struct glib_fns *g, void *m, uintptr_t pc)
{
	if (GREAL(g, mutex_trylock)(m)) {
		annotate_family_acquired(m, g->kind, 0, pc, gmutex_owner_of);
		return;
	}
	annotate_family_acquiring(m, g->kind, pc, gmutex_owner_of);
	uint64_t began = annotate_family_wait_begin(m, g->kind, pc);
	g->mutex_lock(m);
	annotate_family_wait_end(m, g->kind, pc, began);
	annotate_family_acquired(m, g->kind, 0, pc, gmutex_owner_of);
}

/* After a GCond wait, whatever its result, the mutex is held again: like a blocking take (a thread
 * that waits holding another lock orders that lock before the mutex). */
static void gmutex_retaken(const struct glib_fns *g, void *m, uintptr_t pc)
{
	annotate_family_acquiring(m, g->kind, pc, gmutex_owner_of);
	annotate_family_acquired(m, g->kind, 0, pc, gmutex_owner_of);
}

EXPORT void g_mutex_init(void *m)
{
	const struct glib_fns *g = glib_fns();
	GREAL(g, mutex_init)(m);
	if (g->track)
		annotate_family_created(m, g->kind, CALLER_PC);
}

EXPORT void g_mutex_clear(void *m)
{
	const struct glib_fns *g = glib_fns();
	if (g->track)
		annotate_family_destroyed(m, g->kind, gmutex_owner_of(m) != 0);
	GREAL(g, mutex_clear)(m);
}

EXPORT void g_mutex_lock(void *m)
{
	const struct glib_fns *g = glib_fns();
	if (!g->track) {
		GREAL(g, mutex_lock)(m);
		return;
	}
	if (__builtin_expect(gmutex_take_fast(g, m, CALLER_PC), 1))
		return;
	gmutex_take(g, m, CALLER_PC);
}

EXPORT int g_mutex_trylock(void *m)
{
	const struct glib_fns *g = glib_fns();
	int taken = GREAL(g, mutex_trylock)(m);
	if (taken && g->track)
		annotate_family_acquired(m, g->kind, 1, CALLER_PC, gmutex_owner_of);
	return taken;
}

EXPORT void g_mutex_unlock(void *m)
{
	const struct glib_fns *g = glib_fns();
	if (g->track && !gmutex_release_fast(m))
		annotate_family_releasing(m);
	GREAL(g, mutex_unlock)(m);
}

EXPORT void g_cond_wait(void *c, void *m)
{
	const struct glib_fns *g = glib_fns();
	if (g->track)
		annotate_family_releasing(m);
	GREAL(g, cond_wait)(c, m);
	if (g->track)
		gmutex_retaken(g, m, CALLER_PC);
}

EXPORT int g_cond_wait_until(void *c, void *m, int64_t end_time)
{
	const struct glib_fns *g = glib_fns();
	if (g->track)
		annotate_family_releasing(m);
	int signalled = GREAL(g, cond_wait_until)(c, m, end_time);
	if (g->track)
		gmutex_retaken(g, m, CALLER_PC);
	return signalled;
}

EXPORT int g_cond_timed_wait(void *c, void *m, void *abs_time)
{
	const struct glib_fns *g = glib_fns();
	if (g->track)
		annotate_family_releasing(m);
	int signalled = GREAL(g, cond_timed_wait)(c, m, abs_time);
	if (g->track)
		gmutex_retaken(g, m, CALLER_PC);
	return signalled;
}
