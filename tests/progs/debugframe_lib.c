/* A library whose frames are described in .debug_frame only: tests/unwind_debugframe.sh builds it with
 * -g but without unwind tables, as Mono's AOT compiler writes mscorlib.dll.so.  Its functions keep no
 * frame pointer and their frames are rsp-based, so only the CFI can step them. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second = PTHREAD_MUTEX_INITIALIZER;

/* A frame of its own (a volatile array on the stack), so that the caller's return address is found
 * only from the CFA the CFI gives. */
__attribute__((noinline)) static void nested(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	volatile char pad[40];
	pad[0] = 1;
	pthread_mutex_lock(outer);
	pthread_mutex_lock(inner);      /* nested: the inner lock */
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
	pad[1] = pad[0];
}

__attribute__((noinline)) void df_forward(void)
{
	nested(&first, &second);        /* df_forward: first then second */
}

__attribute__((noinline)) void df_backward(void)
{
	nested(&second, &first);        /* df_backward: second then first */
}

/* n new mutexes taken in overlapping pairs: a stack capture for each new lock and edge. */
__attribute__((noinline)) void df_churn(int n)
{
	pthread_mutex_t *m = malloc(sizeof *m * (size_t)n);
	if (!m)
		return;
	for (int i = 0; i < n; i++)
		pthread_mutex_init(&m[i], NULL);
	for (int i = 0; i + 1 < n; i++)
		nested(&m[i], &m[i + 1]);
	for (int i = 0; i < n; i++)
		pthread_mutex_destroy(&m[i]);
	free(m);
}
