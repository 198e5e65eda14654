/* The program of api_libdtor.sh, linked against the library built from api_libdtor_lib.c, whose
 * destructor runs at exit after main returns.
 *   api_libdtor main    an inversion of its own in main (x, y both ways), then libdtor_a -> libdtor_b
 *   api_libdtor dtor    only libdtor_a -> libdtor_b: the inversion is closed in the library's destructor */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

extern pthread_mutex_t libdtor_a, libdtor_b;
static pthread_mutex_t x = PTHREAD_MUTEX_INITIALIZER, y = PTHREAD_MUTEX_INITIALIZER;

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	pthread_mutex_lock(outer);
	pthread_mutex_lock(inner);
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "main") == 0) {
		nest(&x, &y);
		nest(&y, &x);   /* api_libdtor: main's own inversion */
	}
	nest(&libdtor_a, &libdtor_b);
	printf("api_libdtor: main returns\n");
	return 0;
}
