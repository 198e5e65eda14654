/* With tests/progs/ctor_firstuse_lib.c (tests/graphs_ctor_firstuse.sh): the two locks that the library's
 * constructor first used (a -> b there), and a mutex of the program's own, taken in one order,
 * a -> m -> b: no cycle.  "inversion" takes b -> a as well, a real one. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

pthread_mutex_t *ctor_firstuse_a(void);
pthread_mutex_t *ctor_firstuse_b(void);

static pthread_mutex_t between = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
	pthread_mutex_t *a = ctor_firstuse_a(), *b = ctor_firstuse_b();
	pthread_mutex_lock(a);
	pthread_mutex_lock(&between);           /* ctor_firstuse: a -> m */
	pthread_mutex_unlock(&between);
	pthread_mutex_unlock(a);
	pthread_mutex_lock(&between);
	pthread_mutex_lock(b);                  /* ctor_firstuse: m -> b */
	pthread_mutex_unlock(b);
	pthread_mutex_unlock(&between);
	if (argc > 1 && strcmp(argv[1], "inversion") == 0) {
		pthread_mutex_lock(b);
		pthread_mutex_lock(a);          /* ctor_firstuse: b -> a */
		pthread_mutex_unlock(a);
		pthread_mutex_unlock(b);
	}
	puts("ctor_firstuse: done");
	return 0;
}
