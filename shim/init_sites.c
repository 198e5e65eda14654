/* init_sites (init_sites.h): which lock-initialisation sites are a library's wrapper, learnt from a few
 * creation stacks per site.
 *
 * Why: a lock's creation site is where *_init was called.  When a library wraps the call
 * (vlc_mutex_init, PR_NewLock, CRYPTO_THREAD_lock_new, uv_mutex_init, apr_thread_mutex_create), every
 * lock it makes has the same site: the report says "initialised in vlc_mutex_init" for all of them,
 * and the graph files (--graph-dir), which key a lock by its site, see one class, so an inversion
 * between two such locks in two processes is a self-loop of that class and is lost.  What tells them
 * apart is the wrapper's caller, one frame up, which only a stack capture can see; a capture at every
 * init would cost every program that creates many locks (the first-seen benchmark creates 200k).
 *
 * So a site in a shared object (not the main program: a program's own wrapper is its own code, and a
 * site there keeps its one pc, as before) is watched: its first SITE_LEARN inits find their caller
 * (a capture of a few frames), and once two of them were called from different places the site is a
 * wrapper, whose every init finds its caller from then on.  A site whose first inits all came from
 * one place is captured again once in SITE_RESAMPLE inits, to notice a second caller later.  Every
 * lock of a watched site keeps a two-frame stack, interned once per caller: the site and its caller
 * (report_lock_init_caller).  Whether that caller is shown and makes the lock's graph-file
 * class is decided when the report or the file is written, by the site's state then: a wrapper's
 * locks are told apart by their callers; the locks of a one-caller site (a library's constructor of
 * its own objects) stay its own class, the same whoever calls it, in every program.  A site in the
 * main program costs one compare per init after its first (the thread's cache). */
#include "init_sites.h"
#include "elf_symbols.h"
#include "ilock.h"
#include "stacks.h"

#include <link.h>
#include <stdlib.h>
#include <uthash.h>

#define SITE_LEARN 8
#define SITE_RESAMPLE 256

enum site_state { SITE_MAIN = 1, SITE_LEARNING, SITE_SINGLE, SITE_WRAPPER };

struct init_site {
	uintptr_t pc;
	uintptr_t caller;               /* the return address above pc in the first stack seen */
	uint32_t short_stack;           /* interned (pc, caller): what a lock of a one-caller site keeps */
	uint32_t learnt;                /* stacks looked at */
	uint32_t since;                 /* inits since the last capture (SITE_SINGLE) */
	int state;
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
	n->state = in_main_program(pc) ? SITE_MAIN : SITE_LEARNING;
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

/* Under sites_lock: whether this init at s is captured; if not, *keep is the stack its lock keeps. */
static int site_decide(struct init_site *s, int *in_main, uint32_t *keep)
{
	*keep = 0;
	switch (s->state) {
	case SITE_MAIN:
		*in_main = 1;
		return 0;
	case SITE_SINGLE:
		if (++s->since < SITE_RESAMPLE) {
			*keep = s->short_stack;
			return 0;
		}
		s->since = 0;
		return 1;
	default:                        /* learning, or a wrapper */
		return 1;
	}
}

/* Under sites_lock: what one more creation stack of s, called from caller, says. */
static void site_learn(struct init_site *s, uintptr_t caller)
{
	if (s->state == SITE_MAIN || s->state == SITE_WRAPPER)
		return;
	if (!s->caller)
		s->caller = caller;
	else if (caller != s->caller)
		s->state = SITE_WRAPPER;
	if (s->state == SITE_LEARNING && ++s->learnt >= SITE_LEARN)
		s->state = SITE_SINGLE;
}

/* The return address above pc on the calling thread's stack (0: unknown).  A few frames only: the
 * caller is all that the report and the graph file use of a creation stack, and a full walk of a
 * deep stack at every init of a busy wrapper would cost several times as much. */
static uintptr_t caller_now(uintptr_t pc)
{
	uintptr_t pcs[4];
	int n = stack_capture_raw(pcs, 4);
	for (int i = 0; i + 1 < n; i++)
		if (pcs[i] == pc)
			return pcs[i + 1];
	return 0;
}

uint32_t init_site_stack(uintptr_t pc, int *in_main)
{
	*in_main = 0;
	struct init_site *s = pc ? site_entry(pc) : NULL;
	if (!s)
		return 0;
	uint32_t keep;
	ilock_acquire(&sites_lock);
	int capture = site_decide(s, in_main, &keep);
	ilock_release(&sites_lock);
	if (!capture)
		return keep;
	uintptr_t caller = caller_now(pc);
	if (!caller)
		return 0;               /* where it was called from is unknown: the lock keeps its pc only */
	uintptr_t two[2] = { pc, caller };
	uint32_t stack = stack_intern(two, 2);
	ilock_acquire(&sites_lock);
	site_learn(s, caller);
	if (!s->short_stack && caller == s->caller)
		s->short_stack = stack;
	ilock_release(&sites_lock);
	return stack;
}

int init_site_is_wrapper(uintptr_t pc)
{
	ilock_acquire(&sites_lock);
	struct init_site *s = site_get(pc);
	int wrapper = s && s->state == SITE_WRAPPER;
	ilock_release(&sites_lock);
	return wrapper;
}

void init_sites_forget_range(uintptr_t lo, uintptr_t hi)
{
	/* Reset, not freed: another thread may be between two looks at an entry. */
	struct init_site *s, *tmp;
	ilock_acquire(&sites_lock);
	HASH_ITER(hh, sites, s, tmp) {
		if (s->pc >= lo && s->pc < hi && s->state != SITE_MAIN) {
			s->caller = 0;
			s->short_stack = 0;
			s->learnt = s->since = 0;
			s->state = SITE_LEARNING;
		}
	}
	ilock_release(&sites_lock);
}

void init_sites_lock_for_fork(void) { ilock_acquire(&sites_lock); }
void init_sites_unlock_after_fork(void) { ilock_release(&sites_lock); }
void init_sites_after_fork_child(void) { ilock_reset(&sites_lock); }
