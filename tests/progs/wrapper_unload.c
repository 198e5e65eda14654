/* The wrapper's library (tests/progs/wrapper_lib.c) loaded with dlopen, its wrapper called from two
 * places here, an edge between the two locks, then the library unloaded before the graph file is
 * written: the classes stay the callers' (built by tests/graphs_wrapper.sh).
 *   wrapper_unload PATH-OF-libwrapper_lib.so */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void (*init_fn)(pthread_mutex_t *);

static __attribute__((noinline)) pthread_mutex_t *make_account(void)
{
	pthread_mutex_t *m = malloc(sizeof *m);
	if (m)
		init_fn(m);     /* unload: account */
	return m;
}

static __attribute__((noinline)) pthread_mutex_t *make_ledger(void)
{
	pthread_mutex_t *m = malloc(sizeof *m);
	if (m)
		init_fn(m);     /* unload: ledger */
	return m;
}

int main(int argc, char **argv)
{
	void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;
	if (!h || !(*(void **)&init_fn = dlsym(h, "lib_mutex_init")))
		return 1;
	pthread_mutex_t *account = make_account(), *ledger = make_ledger();
	if (!account || !ledger)
		return 1;
	pthread_mutex_lock(account);
	pthread_mutex_lock(ledger);
	pthread_mutex_unlock(ledger);
	pthread_mutex_unlock(account);
	dlclose(h);
	printf("wrapper_unload: done\n");
	return 0;
}
