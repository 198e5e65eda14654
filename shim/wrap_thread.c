/* pthread_create / pthread_join / pthread_exit / pthread_cancel: thread identity (number, parent,
 * creation stack, start routine), how a thread ends (for an exit-holding report), and joins as waits,
 * so a join that can never return is part of the deadlock search. */
#include "wrap.h"
#include "api_misuse.h"
#include "deps.h"
#include "stacks.h"
#include "waits.h"
#include "watchdog.h"

#include <errno.h>
#include <stdlib.h>

struct start_args {
	void *(*fn)(void *);
	void *arg;
	int parent_num;
	uint32_t create_stack;
};

/* The start routine left by unwinding, not by returning: a cancellation (pthread_exit said so itself
 * before it unwound). */
static void start_routine_unwound(void *arg)
{
	(void)arg;
	struct thread_rec *t = tls_self;
	if (t && t->exit_how == TX_UNKNOWN)
		t->exit_how = TX_CANCELLED;
}

static void started(uintptr_t fn, uintptr_t stack_top)
{
	struct thread_rec *t = tls_self;
	if (t) {
		t->start_routine = fn;
		t->stack_top = stack_top;
	}
}

static void returned(void)
{
	struct thread_rec *t = tls_self;
	if (t && t->exit_how == TX_UNKNOWN)
		t->exit_how = TX_RETURNED;
}

static void *thread_trampoline(void *p)
{
	struct start_args a = *(struct start_args *)p;
	free(p);
	deps_thread_start();
	thread_register_created(a.parent_num, a.create_stack);
	started((uintptr_t)a.fn, (uintptr_t)__builtin_frame_address(0));
	void *ret;
	pthread_cleanup_push(start_routine_unwound, NULL);
	ret = a.fn(a.arg);
	pthread_cleanup_pop(0);
	returned();
	return ret;
}

EXPORT int pthread_create(pthread_t *restrict th, const pthread_attr_t *restrict attr,
			  void *(*fn)(void *), void *restrict arg)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(create)(th, attr, fn, arg);
	watchdog_ensure();
	struct start_args *a = malloc(sizeof *a);
	int rc;
	if (!a) {
		rc = REAL(create)(th, attr, fn, arg);
	} else {
		a->fn = fn;
		a->arg = arg;
		a->parent_num = t->num;
		int cancel_state = cancel_disable();    /* unwinding may reach a cancellation point */
		a->create_stack = stack_capture();
		cancel_restore(cancel_state);
		rc = REAL(create)(th, attr, thread_trampoline, a);
		if (rc != 0)
			free(a);
	}
	shim_leave();
	return rc;
}

/* C11 threads: glibc's thrd_create reaches pthread_create internally, not through our symbol. */
struct c11_start_args {
	thrd_start_t fn;
	void *arg;
	int parent_num;
	uint32_t create_stack;
};

static int c11_trampoline(void *p)
{
	struct c11_start_args a = *(struct c11_start_args *)p;
	free(p);
	deps_thread_start();
	thread_register_created(a.parent_num, a.create_stack);
	started((uintptr_t)a.fn, (uintptr_t)__builtin_frame_address(0));
	int ret;
	pthread_cleanup_push(start_routine_unwound, NULL);
	ret = a.fn(a.arg);
	pthread_cleanup_pop(0);
	returned();
	return ret;
}

EXPORT int thrd_create(thrd_t *th, thrd_start_t fn, void *arg)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(thrd_create)(th, fn, arg);
	watchdog_ensure();
	struct c11_start_args *a = malloc(sizeof *a);
	int rc;
	if (!a) {
		rc = REAL(thrd_create)(th, fn, arg);
	} else {
		a->fn = fn;
		a->arg = arg;
		a->parent_num = t->num;
		int cancel_state = cancel_disable();
		a->create_stack = stack_capture();
		cancel_restore(cancel_state);
		rc = REAL(thrd_create)(th, c11_trampoline, a);
		if (rc != thrd_success)
			free(a);
	}
	shim_leave();
	return rc;
}

struct join_ctx {
	struct thread_rec *t;
	pthread_t th;
	void **ret;
	int cancel_state;               /* the program's: in force during the real join only */
};

/* A join is a cancellation point; the wrapper lets only the real call act on a cancel (the deadlock
 * search between slices writes reports: a thread must never be cancelled inside the checker). */
static int join_attempt(void *p, const struct timespec *deadline)
{
	struct join_ctx *c = p;
	int inside;
	pthread_setcancelstate(c->cancel_state, &inside);
	int rc = REAL(timedjoin_np)(c->th, c->ret, deadline);
	pthread_setcancelstate(inside, NULL);
	return rc;
}

static int join_whole(struct join_ctx *c)
{
	int inside;
	pthread_setcancelstate(c->cancel_state, &inside);
	int rc = REAL(join)(c->th, c->ret);
	pthread_setcancelstate(inside, NULL);
	return rc;
}

/* Cancelled in the join: unwinding goes on into the program's cleanup handlers, whose unlocks must be
 * seen — leave the checker (the re-entry guard would hide them: a false "exits holding"). */
static void join_cancelled(void *arg)
{
	struct join_ctx *c = arg;
	atomic_store(&c->t->join_num, 0);
	wait_end(c->t);
	shim_leave();
}

/* Join th: the self-join (EDEADLK, as is) or a join without the timed variant in one real call, else in
 * slices that take part in the deadlock search. */
static int join_checked(struct join_ctx *c, uintptr_t pc)
{
	int rc;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &c->cancel_state);
	pthread_cleanup_push(join_cancelled, c);
	if (!REAL(timedjoin_np) || pthread_equal(c->th, pthread_self()))
		rc = join_whole(c);
	else
		rc = wait_for_join(c->t, c->th, pc, join_attempt, c);
	pthread_cleanup_pop(0);
	pthread_setcancelstate(c->cancel_state, NULL);
	return rc;
}

EXPORT int pthread_join(pthread_t th, void **ret)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(join)(th, ret);
	struct join_ctx c = { .t = t, .th = th, .ret = ret };
	if (pthread_equal(th, pthread_self()))
		misuse_join_self(t, CALLER_PC);
	int rc = join_checked(&c, CALLER_PC);
	shim_leave();
	return rc;
}

/* thrd_join: glibc joins internally, not through pthread_join; a thrd_t is a pthread_t, and the
 * thread's int result travels as the pointer-sized exit value. */
EXPORT int thrd_join(thrd_t th, int *res)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(thrd_join)(th, res);
	if (!REAL(timedjoin_np) || pthread_equal((pthread_t)th, pthread_self())) {
		int rc = REAL(thrd_join)(th, res);
		shim_leave();
		return rc;
	}
	void *ret = NULL;
	struct join_ctx c = { .t = t, .th = (pthread_t)th, .ret = &ret };
	int rc = join_checked(&c, CALLER_PC);
	if (rc == 0 && res)
		*res = (int)(intptr_t)ret;
	shim_leave();
	return rc == 0 ? thrd_success : thrd_error;
}

/* The thread ends here: remember where, for an exit-holding report (only a thread that holds a lock
 * pays for the stack). */
static void exiting_here(void)
{
	struct thread_rec *t = tls_self;
	if (!t || tls_guard)
		return;
	tls_guard = 1;
	t->exit_how = TX_PTHREAD_EXIT;
	if (t->nheld > 0) {
		int cancel_state = cancel_disable();
		t->exit_stack = stack_capture();
		cancel_restore(cancel_state);
	}
	tls_guard = 0;
}

EXPORT void pthread_exit(void *ret)
{
	exiting_here();
	REAL(thread_exit)(ret);
}

/* glibc's thrd_exit ends the thread through its internal pthread_exit, not through our symbol. */
EXPORT void thrd_exit(int res)
{
	exiting_here();
	REAL(thrd_exit)(res);
}

/* Who cancelled a thread, and where: the target's exit-holding report names them. */
EXPORT int pthread_cancel(pthread_t th)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(cancel)(th);
	int cancel_state = cancel_disable();
	uint32_t stack = stack_capture();
	cancel_restore(cancel_state);
	registry_lock();
	struct thread_rec *target = registry_find_pthread(th);
	if (target) {
		atomic_store(&target->cancel_stack, stack);
		atomic_store(&target->cancel_by, t->num);
	}
	registry_unlock();
	int rc = REAL(cancel)(th);
	shim_leave();
	return rc;
}
