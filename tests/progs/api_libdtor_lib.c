/* A shared library with a destructor that writes a file and a line on stdout and takes libdtor_b then
 * libdtor_a (tests/api_libdtor.sh; the program takes them the other way round in main). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

pthread_mutex_t libdtor_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t libdtor_b = PTHREAD_MUTEX_INITIALIZER;

__attribute__((destructor)) static void libdtor_fini(void)
{
	const char *path = getenv("LIBDTOR_FILE");
	FILE *f = path ? fopen(path, "w") : NULL;
	if (f) {
		fputs("libdtor: the library's destructor wrote this\n", f);
		fclose(f);
	}
	printf("libdtor: the library's destructor ran\n");
	pthread_mutex_lock(&libdtor_b);
	pthread_mutex_lock(&libdtor_a); /* libdtor: edge b->a in the destructor */
	pthread_mutex_unlock(&libdtor_a);
	pthread_mutex_unlock(&libdtor_b);
}
