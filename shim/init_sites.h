/* init_sites: which lock-initialisation sites are a library's wrapper (vlc_mutex_init, PR_NewLock,
 * CRYPTO_THREAD_lock_new, ...), so that a lock made through one keeps its creation stack: the report
 * can name the wrapper's caller, and the graph files tell its locks apart.  See init_sites.c. */
#ifndef COFFMAN_INIT_SITES_H
#define COFFMAN_INIT_SITES_H

#include <stdint.h>

/* The creation stack a lock initialised at pc (the *_init call's return address) keeps, capturing it
 * when the site wants one; 0: none (the site is in the main program, or not known to be called from
 * anywhere yet).  Call with no internal lock held.  *in_main: pc is in the main program, whose sites
 * never keep a stack (the caller may remember pc and not ask again). */
uint32_t init_site_stack(uintptr_t pc, int *in_main);
/* Whether the init site pc is a wrapper: inits there were called from at least two places. */
int init_site_is_wrapper(uintptr_t pc);
/* An object was unloaded: forget the sites in its code [lo, hi). */
void init_sites_forget_range(uintptr_t lo, uintptr_t hi);

void init_sites_lock_for_fork(void);
void init_sites_unlock_after_fork(void);
void init_sites_after_fork_child(void);

#endif
