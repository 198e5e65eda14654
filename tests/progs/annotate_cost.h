/* The loop annotate_cost times: lock and unlock an uncontended ticket spinlock n times.  Included by
 * annotate_cost.c (annotated) and annotate_cost_plain.c (COFFMAN_ANNOTATE_DISABLE: the same code with
 * the macros compiled out), so the two differ by the annotations alone. */
#include <stdatomic.h>

#include <coffman/annotate.h>

struct cost_ticket {
	atomic_uint next, serving;
};

static inline void cost_lock(struct cost_ticket *l)
{
	COFFMAN_LOCK_ACQUIRING(l, 0);
	unsigned me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
	if (atomic_load_explicit(&l->serving, memory_order_acquire) != me) {
		COFFMAN_LOCK_WAIT_BEGIN(l);
		while (atomic_load_explicit(&l->serving, memory_order_acquire) != me)
			;
		COFFMAN_LOCK_WAIT_END(l);
	}
	COFFMAN_LOCK_ACQUIRED(l, 0);
}

static inline void cost_unlock(struct cost_ticket *l)
{
	COFFMAN_LOCK_RELEASING(l, 0);
	atomic_fetch_add_explicit(&l->serving, 1, memory_order_release);
}

void COST_LOOP(struct cost_ticket *l, unsigned long n);

void COST_LOOP(struct cost_ticket *l, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		cost_lock(l);
		cost_unlock(l);
	}
}
