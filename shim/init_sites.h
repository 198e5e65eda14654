/* init_sites: which lock-initialisation sites are a library's wrapper (vlc_mutex_init, PR_NewLock,
 * CRYPTO_THREAD_lock_new, ...), and the caller of each lock's init there: the report can name the
 * wrapper's caller, and the graph files and --classes=site tell its locks apart.  See init_sites.c. */
#ifndef COFFMAN_INIT_SITES_H
#define COFFMAN_INIT_SITES_H

#include <stdint.h>

struct unwind_context;
struct init_site;

/* Per thread (threads.h): the sites this thread initialised locks at lately, direct-mapped by pc, so
 * that inits at a few sites in turn take no lock to find them, and an init at a settled site of the
 * main program costs a load and two compares. */
#define INIT_SITE_CACHE_SLOTS 8
struct init_site_slot {
	uintptr_t pc;
	struct init_site *site;
	int quiet;                      /* no caller to find here: a main-program site, settled with one */
};
struct init_site_cache {
	struct init_site_slot slot[INIT_SITE_CACHE_SLOTS];
};

static inline struct init_site_slot *init_site_slot(struct init_site_cache *c, uintptr_t pc)
{
	return &c->slot[(pc * 0x9e3779b97f4a7c15ull) >> 61];
}

/* Whether an init at pc needs its caller found (a site not known to be settled): then the wrapper
 * saves its context for init_site_stack's capture. */
static inline int init_site_wants_context(struct init_site_cache *c, uintptr_t pc)
{
	const struct init_site_slot *e = init_site_slot(c, pc);
	return pc && !(e->pc == pc && e->quiet);
}

/* The creation stack a lock initialised at *pc (the *_init call's return address) keeps: the interned
 * two frames (the site, its caller now); 0 for a settled site of the main program (see init_sites.c),
 * or when the caller cannot be found.  The site may move: to GLib's g_rec_mutex_init call for a lock
 * GLib made there, and to 0, no site at all, for one GLib made on its first use (init_sites.c).
 * ctx: the wrapper's saved context, where the capture starts (NULL: from here, walking through
 * coffman's own frames).  Call with no internal lock held. */
uint32_t init_site_stack(struct init_site_cache *c, uintptr_t *pc, const struct unwind_context *ctx);
/* Whether the init site pc is a wrapper: inits there were called from at least two places. */
int init_site_is_wrapper(uintptr_t pc);
/* An object was unloaded: forget the sites in its code [lo, hi). */
void init_sites_forget_range(uintptr_t lo, uintptr_t hi);

void init_sites_lock_for_fork(void);
void init_sites_unlock_after_fork(void);
void init_sites_after_fork_child(void);

#endif
