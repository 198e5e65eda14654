/* pthread_create / pthread_join: thread identity (number, parent, creation stack) and joins as waits,
 * so a join that can never return is part of the deadlock search. */
#include "wrap.h"
#include "deps.h"
#include "stacks.h"
#include "waits.h"

#include <errno.h>
#include <stdlib.h>

struct start_args {
	void *(*fn)(void *);
	void *arg;
	int parent_num;
	uint32_t create_stack;
};

static void *thread_trampoline(void *p)
{
	struct start_args a = *(struct start_args *)p;
	free(p);
	deps_thread_start();
	thread_register_created(a.parent_num, a.create_stack);
	return a.fn(a.arg);
}

EXPORT int pthread_create(pthread_t *restrict th, const pthread_attr_t *restrict attr,
			  void *(*fn)(void *), void *restrict arg)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(create)(th, attr, fn, arg);
	struct start_args *a = malloc(sizeof *a);
	int rc;
	if (!a) {
		rc = REAL(create)(th, attr, fn, arg);
	} else {
		a->fn = fn;
		a->arg = arg;
		a->parent_num = t->num;
		a->create_stack = stack_capture();
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
	return a.fn(a.arg);
}

EXPORT int thrd_create(thrd_t *th, thrd_start_t fn, void *arg)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(thrd_create)(th, fn, arg);
	struct c11_start_args *a = malloc(sizeof *a);
	int rc;
	if (!a) {
		rc = REAL(thrd_create)(th, fn, arg);
	} else {
		a->fn = fn;
		a->arg = arg;
		a->parent_num = t->num;
		a->create_stack = stack_capture();
		rc = REAL(thrd_create)(th, c11_trampoline, a);
		if (rc != thrd_success)
			free(a);
	}
	shim_leave();
	return rc;
}

struct join_ctx {
	pthread_t th;
	void **ret;
};

static int join_attempt(void *p, const struct timespec *deadline)
{
	struct join_ctx *c = p;
	return REAL(timedjoin_np)(c->th, c->ret, deadline);
}

EXPORT int pthread_join(pthread_t th, void **ret)
{
	struct thread_rec *t = shim_enter();
	if (!t)
		return REAL(join)(th, ret);
	int rc;
	if (!REAL(timedjoin_np) || pthread_equal(th, pthread_self())) {
		rc = REAL(join)(th, ret);       /* EDEADLK for a self-join: as is */
	} else {
		struct join_ctx c = { th, ret };
		rc = wait_for_join(t, th, CALLER_PC, join_attempt, &c);
	}
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
	void *ret = NULL;
	int rc;
	if (!REAL(timedjoin_np) || pthread_equal((pthread_t)th, pthread_self())) {
		rc = REAL(thrd_join)(th, res);
		shim_leave();
		return rc;
	}
	struct join_ctx c = { (pthread_t)th, &ret };
	rc = wait_for_join(t, (pthread_t)th, CALLER_PC, join_attempt, &c);
	if (rc == 0 && res)
		*res = (int)(intptr_t)ret;
	shim_leave();
	return rc == 0 ? thrd_success : thrd_error;
}
