/* With tests/progs/ctor_firstuse_lib.c (tests/graphs_ctor_firstuse.sh): the two locks that the library's
 * constructor first used (a -> b there), and a mutex of the program's own, taken in one order,
 * a -> m -> b: no cycle.  "inversion" takes b -> a as well, a real one.  Built with -DCTOR_DLOPEN=PATH
 * the program loads the library itself with dlopen, so its constructor runs under the program's dlopen
 * call, a frame with a source file. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#ifdef CTOR_DLOPEN
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

typedef pthread_mutex_t *(*lock_getter)(void);

static pthread_mutex_t *library_lock(const char *name)
{
	static void *library;
	if (!library)
		library = dlopen(CTOR_DLOPEN, RTLD_NOW); /* ctor_firstuse: dlopen */
	lock_getter get = library ? (lock_getter)(uintptr_t)dlsym(library, name) : NULL;
	if (!get) {
		fprintf(stderr, "ctor_firstuse: %s\n", dlerror());
		exit(2);
	}
	return get();
}
#define ctor_firstuse_a() library_lock("ctor_firstuse_a")
#define ctor_firstuse_b() library_lock("ctor_firstuse_b")
#else
pthread_mutex_t *ctor_firstuse_a(void);
pthread_mutex_t *ctor_firstuse_b(void);
#endif

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
