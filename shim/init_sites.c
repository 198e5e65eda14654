/* init_sites (init_sites.h): which lock-initialisation sites are a library's wrapper, learnt from each
 * init's caller.
 *
 * Why: a lock's creation site is where *_init was called.  When a library wraps the call
 * (vlc_mutex_init, PR_NewLock, CRYPTO_THREAD_lock_new, uv_mutex_init, apr_thread_mutex_create), every
 * lock it makes has the same site: the report says "initialised in vlc_mutex_init" for all of them,
 * and the graph files (--graph-dir), which key a lock by its site, see one class, so an inversion
 * between two such locks in two processes is a self-loop of that class and is lost.  What tells them
 * apart is the wrapper's caller, one frame up, which only a stack capture can see.
 *
 * So every init at a site in a shared object finds its caller with a capture of a few frames, and its
 * lock keeps the two frames (the site, the caller) as one interned stack, the same id for every lock
 * made from that caller.  A site called from two places or more is a wrapper.  A site in the main
 * program is probed so at its first MAIN_PROBES inits only, unless they find it a wrapper: programs
 * link their wrappers in too (Node.js's libuv, a C++ program's own Mutex class), but a site there that
 * makes locks by the hundred thousand from one caller (an array of per-object locks) must not pay a
 * capture for each; after those inits it costs one compare, the thread's cache.  A wrapper in the
 * program whose second caller comes only after them stays one class.  Not with --classes=site, whose
 * live classes are keyed by the stack where a lock has one: a settled site's probed locks would be a
 * class apart from its later ones, and two instances nested in each other an order between classes.
 * (The graph files join classes by what they resolve to, and drop an edge of a class onto itself.)  What the report and the
 * graph file make of it is decided when they are written, by the site's state then: a wrapper's locks
 * are told apart by their callers; the locks of a one-caller site (a library's constructor of its own
 * objects) stay the site's own class, the same whoever calls it, in every program.  (Looking at only
 * some inits was tried: libdbus makes its first locks in one loop and the others later, from
 * elsewhere, and was taken for a one-caller site.) */
#include "init_sites.h"
#include "config.h"
#include "elf_symbols.h"
#include "ilock.h"
#include "stacks.h"
#include "wrap_glib.h"

#include <link.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <uthash.h>

/* SITE_SETTLED: a site in the main program that had one caller in its first MAIN_PROBES inits. */
enum site_state { SITE_ONE_CALLER = 1, SITE_WRAPPER, SITE_SETTLED };
#define MAIN_PROBES 256

/* caller, state and probes are atomics: an init learns from its caller without the lock (the entry is
 * found through the thread's cache, and never freed). */
struct init_site {
	uintptr_t pc;
	int in_main;                    /* in the main program's code (set before the entry is published) */
	_Atomic uintptr_t caller;       /* the return address above pc at its first init (0: not yet) */
	_Atomic int state;
	_Atomic unsigned probes;        /* main program: inits that looked for their caller */
	UT_hash_handle hh;
};

static struct ilock sites_lock = ILOCK_INIT;
static struct init_site *sites;

struct main_probe {
	uintptr_t pc;
	int holds;
};

static int main_program_holds(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct main_probe *p = data;
	p->holds = elf_object_holds(info, p->pc);
	return 1;                       /* the first object listed is the main program: stop there */
}

/* Whether pc is in the main program's code.  dl_iterate_phdr takes only the loader's write lock,
 * which no thread holds while it runs a library constructor (unlike dladdr's). */
static int in_main_program(uintptr_t pc)
{
	struct main_probe p = { pc, 0 };
	dl_iterate_phdr(main_program_holds, &p);
	return p.holds;
}

static struct init_site *site_get(uintptr_t pc)
{
	struct init_site *s;
	HASH_FIND(hh, sites, &pc, sizeof pc, s);
	return s;
}

/* The entry of pc, made on first sight (where pc is, looked up outside the lock).  Entries are never
 * freed, so a pointer to one stays valid without the lock. */
static struct init_site *site_entry(uintptr_t pc)
{
	ilock_acquire(&sites_lock);
	struct init_site *s = site_get(pc);
	ilock_release(&sites_lock);
	if (s)
		return s;
	struct init_site *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->pc = pc;
	n->in_main = in_main_program(pc);
	n->state = SITE_ONE_CALLER;
	ilock_acquire(&sites_lock);
	s = site_get(pc);
	if (!s) {
		HASH_ADD(hh, sites, pc, sizeof n->pc, n);
		s = n;
		n = NULL;
	}
	ilock_release(&sites_lock);
	free(n);
	return s;
}

/* The two return addresses above pc on the calling thread's stack, its caller and the caller's
 * caller (0: unknown).  A few frames only, from the wrapper's own frame when it saved one: the caller
 * is all that the report and the graph file use of a creation stack (the one above it only for a lock
 * GLib's g_rec_mutex_init made, see glib_lock_site), and a walk through coffman's frames, or a whole
 * deep stack, at every init would cost several times as much. */
static void callers_now(uintptr_t pc, const struct unwind_context *ctx, uintptr_t above[2])
{
	uintptr_t pcs[5];
	int n = stack_capture_raw_from(ctx, pcs, 5);
	above[0] = above[1] = 0;
	for (int i = 0; i + 1 < n; i++)
		if (pcs[i] == pc) {
			above[0] = pcs[i + 1];
			above[1] = i + 2 < n ? pcs[i + 2] : 0;
			return;
		}
}

/* Whether this init at main-program site s looks for its caller: during the probes, or for good once
 * they found a second one. */
static int main_site_probe(struct init_site *s)
{
	int state = atomic_load(&s->state);
	if (state != SITE_ONE_CALLER)
		return state == SITE_WRAPPER;
	if (!cfg.classes_site && atomic_fetch_add(&s->probes, 1) < MAIN_PROBES)
		return 1;
	/* One caller so far: settled, unless a probe found a second meanwhile. */
	atomic_compare_exchange_strong(&s->state, &state, SITE_SETTLED);
	return state == SITE_WRAPPER;
}

/* The thread's cache slot of site pc, its entry found or made (NULL: out of memory). */
static struct init_site_slot *site_slot(struct init_site_cache *c, uintptr_t pc)
{
	struct init_site_slot *e = init_site_slot(c, pc);
	if (e->pc != pc) {
		struct init_site *found = site_entry(pc);
		if (!found)
			return NULL;
		e->pc = pc;
		e->site = found;
		e->quiet = 0;
	}
	return e;
}

/* GLib's GRecMutex and GRWLock make their pthread lock in one function of their own, so every one of
 * them would have that site, and the caller above it is only GLib's g_rec_mutex_init, or the
 * g_rec_mutex_lock that made a static one on its first use: the locks of every GStreamer pad, task
 * and type class were one class, and the graph files found cycles between them.  A lock made by
 * g_*_init has that call for its site and the program's call above it for its caller, as if the
 * program had called pthread_mutex_init there.  One made on first use gets no site (*pc = 0): it is
 * classed, and named, by where it was first used, as a static pthread mutex is. */
static int glib_lock_site(uintptr_t *pc, uintptr_t above[2])
{
	enum glib_lock_call call = glib_lock_call_at(above[0]);
	if (call == GLIB_CALL_ON_USE) {
		*pc = 0;
		return 0;
	}
	if (call == GLIB_CALL_INIT) {
		*pc = above[0];
		above[0] = above[1];
	}
	return 1;
}

uint32_t init_site_stack(struct init_site_cache *c, uintptr_t *site_pc, const struct unwind_context *ctx)
{
	uintptr_t pc = *site_pc;
	if (!pc)
		return 0;
	struct init_site_slot *e = site_slot(c, pc);
	if (!e || e->quiet)
		return 0;
	struct init_site *s = e->site;
	if (s->in_main && !main_site_probe(s)) {
		e->quiet = 1;
		return 0;
	}
	uintptr_t above[2];
	callers_now(pc, ctx, above);
	if (!above[0])
		return 0;               /* where it was called from is unknown: the lock keeps its pc only */
	if (!s->in_main) {
		if (!glib_lock_site(site_pc, above))
			return 0;
		if (*site_pc != pc) {
			pc = *site_pc;
			e = site_slot(c, pc);
			if (!e || !above[0])
				return 0;
			s = e->site;
		}
	}
	uintptr_t caller = above[0];
	uintptr_t first = 0;
	if (!atomic_compare_exchange_strong(&s->caller, &first, caller) && first != caller)
		atomic_store(&s->state, SITE_WRAPPER);
	uintptr_t two[2] = { pc, caller };
	return stack_intern(two, 2);
}

int init_site_is_wrapper(uintptr_t pc)
{
	ilock_acquire(&sites_lock);
	struct init_site *s = site_get(pc);
	int wrapper = s && atomic_load(&s->state) == SITE_WRAPPER;
	ilock_release(&sites_lock);
	return wrapper;
}

void init_sites_forget_range(uintptr_t lo, uintptr_t hi)
{
	/* Reset, not freed: another thread may be between two looks at an entry. */
	struct init_site *s, *tmp;
	ilock_acquire(&sites_lock);
	HASH_ITER(hh, sites, s, tmp) {
		if (s->pc >= lo && s->pc < hi && !s->in_main) {
			atomic_store(&s->caller, 0);
			atomic_store(&s->state, SITE_ONE_CALLER);
		}
	}
	ilock_release(&sites_lock);
}

void init_sites_lock_for_fork(void) { ilock_acquire(&sites_lock); }
void init_sites_unlock_after_fork(void) { ilock_release(&sites_lock); }
void init_sites_after_fork_child(void) { ilock_reset(&sites_lock); }
