/* A report made while another thread is inside dlopen, its constructor waiting for a lock the reporting
 * thread holds (tests/progs/api_ctor_lock.c).
 *
 * main orders second_lock before late_lock once, then holds late_lock while a second thread dlopens
 * the plugin, whose constructor waits for late_lock; then main takes second_lock: the lock-order cycle
 * closes, and main writes the report while it holds late_lock.  Native: nothing waits on main, which
 * releases late_lock, and the constructor goes on.  A checker that asked the dynamic loader about a
 * frame while writing (dladdr: the loader's lock, held by that dlopen) hung both threads.
 *
 * With CXXLIB (tests/progs/api_cxx_take.cpp built as a shared object, loaded first), second_lock is
 * taken inside a C++ function, whose mangled name the report demangles: a checker that loaded a
 * demangler then (a dlopen) hung the same way.
 *
 * Built -rdynamic: the constructor finds late_lock and late_in_ctor in this executable.
 * Usage: api_report_dlopen PLUGIN.so [CXXLIB.so] */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

pthread_mutex_t late_lock = PTHREAD_MUTEX_INITIALIZER;
atomic_int late_in_ctor;
static pthread_mutex_t second_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*cxx_take)(pthread_mutex_t *);      /* from CXXLIB, if given */

static void *load_plugin(void *path)
{
	void *h = dlopen(path, RTLD_NOW);
	if (!h)
		fprintf(stderr, "api_report_dlopen: %s\n", dlerror());
	return h;
}

static __attribute__((noinline)) void second_then_late(void)
{
	pthread_mutex_lock(&second_lock);
	pthread_mutex_lock(&late_lock); /* edge second->late */
	pthread_mutex_unlock(&late_lock);
	pthread_mutex_unlock(&second_lock);
}

static __attribute__((noinline)) void late_then_second(const char *plugin)
{
	pthread_mutex_lock(&late_lock); /* hold late */
	pthread_t t;
	pthread_create(&t, NULL, load_plugin, (void *)plugin);
	while (!atomic_load(&late_in_ctor))
		sched_yield();
	nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);  /* the constructor is waiting */
	if (cxx_take) {
		cxx_take(&second_lock);
	} else {
		pthread_mutex_lock(&second_lock); /* edge late->second: the report */
		pthread_mutex_unlock(&second_lock);
	}
	pthread_mutex_unlock(&late_lock);
	void *h;
	pthread_join(t, &h);
	printf("api_report_dlopen: plugin %s\n", h ? "loaded" : "not loaded");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (argc > 2) {
		void *cxx = dlopen(argv[2], RTLD_NOW);
		*(void **)&cxx_take = cxx ? dlsym(cxx, "cxx_take_and_release") : NULL;
		if (!cxx_take) {
			fprintf(stderr, "api_report_dlopen: %s\n", dlerror());
			return 1;
		}
	}
	second_then_late();
	late_then_second(argv[1]);
	return 0;
}
