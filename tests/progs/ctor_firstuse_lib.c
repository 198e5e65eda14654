/* Built without debug info by tests/graphs_ctor_firstuse.sh.  Its constructor first uses two locks that
 * were never initialised by a call (zero-filled, as PTHREAD_MUTEX_INITIALIZER), on the heap, one
 * inside the other (a -> b): as libgobject's constructor first uses GType's class-init GRecMutex and its
 * type GRWLock, whose pthread locks GLib allocates on that first use. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t *first_a, *first_b;

__attribute__((constructor)) static void ctor_firstuse_start(void)
{
	first_a = calloc(1, sizeof *first_a);
	first_b = calloc(1, sizeof *first_b);
	if (!first_a || !first_b)
		abort();
	pthread_mutex_lock(first_a);
	pthread_mutex_lock(first_b);
	pthread_mutex_unlock(first_b);
	pthread_mutex_unlock(first_a);
}

pthread_mutex_t *ctor_firstuse_a(void)
{
	return first_a;
}

pthread_mutex_t *ctor_firstuse_b(void)
{
	return first_b;
}
