/* api_misuse (api_misuse.h): refused calls and type confusion, on slow paths only. */
#include "api_misuse.h"

#include "events.h"
#include "order.h"
#include "report.h"
#include "stacks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

atomic_uchar misuse_seen[LIFE_BUCKETS];

void misuse_note_init(const void *obj, int kind)
{
	unsigned bit = kind == LK_MUTEX || kind == LK_C11 ? MISUSE_SEEN_MUTEX : MISUSE_SEEN_OTHER;
	atomic_uchar *b = &misuse_seen[life_bucket(obj)];
	if (!(atomic_load_explicit(b, memory_order_relaxed) & bit))
		atomic_fetch_or_explicit(b, (unsigned char)bit, memory_order_relaxed);
}

static struct report *misuse_report_start(enum report_kind kind, int *cancel_state)
{
	struct report *r = malloc(sizeof *r);
	if (!r)
		return NULL;
	*cancel_state = cancel_disable();
	report_init(r, kind);
	return r;
}

static void misuse_report_finish(struct report *r, int cancel_state)
{
	order_fill_lock_sites(r);
	report_emit(r);
	free(r);
	cancel_restore(cancel_state);
}

/* A pthread mutex and a C11 mtx_t are the same object in glibc. */
static int same_type(int a, int b)
{
	int am = a == LK_MUTEX || a == LK_C11, bm = b == LK_MUTEX || b == LK_C11;
	return a == b || (am && bm);
}

/* "a mutex", "an rwlock", "an mtx_t" */
static const char *article(const char *name)
{
	return strcmp(name, "rwlock") == 0 || strcmp(name, "mtx_t") == 0 || strchr("aeiou", name[0]) ? "an" : "a";
}

int misuse_check_kind(struct thread_rec *t, const void *obj, int expected, const char *call, uintptr_t pc)
{
	uintptr_t init_pc;
	int kind;
	if (!order_init_site(obj, &init_pc, &kind) || kind >= LK_COND || same_type(kind, expected))
		return 0;
	int cs;
	struct report *r = misuse_report_start(RK_USE_AFTER_DESTROY, &cs);
	if (!r)
		return 0;
	const char *is = lock_kind_name(kind), *want = lock_kind_name(expected);
	int lk = report_add_lock(r, (uintptr_t)obj, is);
	report_add_thread_rec(r, t);
	snprintf(r->summary, sizeof r->summary, "T%d calls %s on L%d, which is an initialised %s, not %s %s", t->num,
		 call, lk + 1, is, article(want), want);
	snprintf(r->note, sizeof r->note,
		 "%s %s call reads and writes the %s's memory as its own layout: POSIX leaves this undefined, and "
		 "glibc lets it through, corrupting the %s", article(want), want, is, is);
	report_add_stack(r, "called here", stack_capture(), 0);
	/* One report per object and call site. */
	r->signature = ((uint64_t)RK_USE_AFTER_DESTROY << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)pc << 7) ^ 0x7e1d;
	misuse_report_finish(r, cs);
	return 1;
}

static const char *err_name(int rc)
{
	switch (rc) {
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case ENOTSUP: return "ENOTSUP";
	default: return strerror(rc);
	}
}

void misuse_init_failed(struct thread_rec *t, const void *obj, int kind, const char *call, int rc, uintptr_t pc)
{
	int cs;
	struct report *r = misuse_report_start(RK_USE_AFTER_DESTROY, &cs);
	if (!r)
		return;
	const char *kname = lock_kind_name(kind);
	int lk = report_add_lock(r, (uintptr_t)obj, kname);
	report_add_thread_rec(r, t);
	snprintf(r->summary, sizeof r->summary, "T%d calls %s on L%d, which fails with %s: L%d is not an initialised %s",
		 t->num, call, lk + 1, err_name(rc), lk + 1, kname);
	snprintf(r->note, sizeof r->note,
		 "%s: every later use of L%d uses memory that is not a %s, which POSIX leaves undefined",
		 rc == EINVAL || rc == ENOTSUP ? "the attribute object is not initialised, or asks for what glibc "
						 "does not support"
					       : "the init did not happen",
		 lk + 1, kname);
	report_add_stack(r, "called here", stack_capture(), 0);
	r->signature = ((uint64_t)RK_USE_AFTER_DESTROY << 56) ^ (uint64_t)(uintptr_t)obj ^ ((uint64_t)pc << 7) ^ 0x1f17;
	misuse_report_finish(r, cs);
}

int misuse_cond_deadline(struct thread_rec *t, const void *c, const char *call, clockid_t clock,
			 const struct timespec *abstime, uintptr_t pc)
{
	int bad_time = abstime && (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000L);
	int bad_clock = clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC;
	if (!bad_time && !bad_clock)
		return 0;
	int cs;
	struct report *r = misuse_report_start(RK_COND_MISUSE, &cs);
	if (!r)
		return 0;
	int lk = report_add_lock(r, (uintptr_t)c, lock_kind_name(LK_COND));
	report_add_thread_rec(r, t);
	if (bad_time)
		snprintf(r->summary, sizeof r->summary,
			 "T%d calls %s on L%d with a deadline whose tv_nsec (%ld) is not in 0..999999999", t->num, call,
			 lk + 1, (long)abstime->tv_nsec);
	else
		snprintf(r->summary, sizeof r->summary, "T%d calls %s on L%d with clock %d, which a wait cannot use",
			 t->num, call, lk + 1, (int)clock);
	snprintf(r->note, sizeof r->note,
		 "the wait fails at once with EINVAL, as without the checker: a loop around it spins instead of "
		 "waiting");
	report_add_stack(r, "called here", stack_capture(), 0);
	r->signature = ((uint64_t)RK_COND_MISUSE << 56) ^ (uint64_t)(uintptr_t)c ^ ((uint64_t)pc << 7) ^ 0xd1;
	misuse_report_finish(r, cs);
	return 1;
}

void misuse_join_self(struct thread_rec *t, uintptr_t pc)
{
	int cs;
	struct report *r = misuse_report_start(RK_DOUBLE_LOCK, &cs);
	if (!r)
		return;
	report_add_thread_rec(r, t);
	snprintf(r->summary, sizeof r->summary, "T%d joins itself: it would wait for its own end forever", t->num);
	snprintf(r->note, sizeof r->note, "pthread_join of the calling thread: glibc returns EDEADLK, as without "
		 "the checker");
	report_add_stack(r, "joined here", stack_capture(), 0);
	r->signature = ((uint64_t)RK_DOUBLE_LOCK << 56) ^ ((uint64_t)pc << 7) ^ 0x501f;
	misuse_report_finish(r, cs);
}
