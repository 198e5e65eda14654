/* GLib loaded after start-up, and the first GMutex call made while another thread is inside dlopen.
 *
 * The main thread holds late_lock and, once a second thread's dlopen is running a constructor that
 * waits for late_lock (tests/progs/api_ctor_lock.c), makes the process's first g_mutex_* calls.  Native,
 * they just run; then late_lock is released and the constructor goes on.  A checker that looked up
 * GLib's real functions with dlsym at that first call waited for the loader's lock, which the dlopen
 * holds while its constructor waits for late_lock: both threads stuck.
 *
 * With "double", a GMutex is then locked twice: reported (and ended) only if the late lookup found
 * GLib's real functions and tracks the GMutex.
 *
 * Built -rdynamic: the constructor finds late_lock and late_in_ctor in this executable.
 * Usage: api_glib_late PLUGIN.so [double] */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

pthread_mutex_t late_lock = PTHREAD_MUTEX_INITIALIZER;
atomic_int late_in_ctor;

typedef struct { void *p; unsigned i[2]; } gmutex_t;   /* GLib's GMutex, a union of that size */

static void *load_plugin(void *path)
{
	void *h = dlopen(path, RTLD_NOW);
	if (!h)
		fprintf(stderr, "api_glib_late: %s\n", dlerror());
	return h;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (!dlopen("libglib-2.0.so.0", RTLD_NOW | RTLD_GLOBAL)) {
		fprintf(stderr, "api_glib_late: no GLib: %s\n", dlerror());
		return 77;
	}
	/* Through the global scope, as a library linked against GLib would call them: the checker's
	 * wrappers when it is preloaded. */
	void (*init)(gmutex_t *) = (void (*)(gmutex_t *))dlsym(RTLD_DEFAULT, "g_mutex_init");
	void (*lock)(gmutex_t *) = (void (*)(gmutex_t *))dlsym(RTLD_DEFAULT, "g_mutex_lock");
	void (*unlock)(gmutex_t *) = (void (*)(gmutex_t *))dlsym(RTLD_DEFAULT, "g_mutex_unlock");
	void (*clear)(gmutex_t *) = (void (*)(gmutex_t *))dlsym(RTLD_DEFAULT, "g_mutex_clear");
	if (!init || !lock || !unlock || !clear)
		return 77;

	pthread_mutex_lock(&late_lock);
	pthread_t t;
	pthread_create(&t, NULL, load_plugin, argv[1]);
	while (!atomic_load(&late_in_ctor))
		sched_yield();
	nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);  /* the constructor is waiting */

	gmutex_t m = { 0 };
	init(&m);               /* the process's first GMutex call */
	lock(&m);
	unlock(&m);
	clear(&m);
	printf("api_glib_late: GMutex used while a constructor waited\n");
	pthread_mutex_unlock(&late_lock);

	void *h;
	pthread_join(t, &h);
	printf("api_glib_late: plugin %s\n", h ? "loaded" : "not loaded");
	if (argc > 2) {
		fflush(stdout);
		init(&m);
		lock(&m); /* late: first */
		lock(&m); /* late: second */
		printf("api_glib_late: not reached\n");
	}
	return h ? 0 : 1;
}
