/* The plugin tests/deps_late.sh builds and tests/progs/deps_late.c dlopens: the first lock functions
 * the process imports, and an inversion between two of its own mutexes.  Its constructor takes the
 * process's first lock, so the deps namespace is loaded inside the program's dlopen (the loader's lock
 * held by the same thread). */
#include <pthread.h>

static pthread_mutex_t plugin_a = PTHREAD_MUTEX_INITIALIZER, plugin_b = PTHREAD_MUTEX_INITIALIZER;

static __attribute__((noinline)) void plugin_pair(pthread_mutex_t *x, pthread_mutex_t *y)
{
	pthread_mutex_lock(x);
	pthread_mutex_lock(y); /* plugin: edge */
	pthread_mutex_unlock(y);
	pthread_mutex_unlock(x);
}

static pthread_mutex_t plugin_setup = PTHREAD_MUTEX_INITIALIZER;
static int plugin_ready;

__attribute__((constructor)) static void plugin_init(void)
{
	pthread_mutex_lock(&plugin_setup);
	plugin_ready = 1;
	pthread_mutex_unlock(&plugin_setup);
}

static void *plugin_thread(void *arg)
{
	(void)arg;
	plugin_pair(&plugin_b, &plugin_a);
	return 0;
}

/* The other order in a thread of the plugin's: its creation is the first need in the process. */
void late_inversion(void)
{
	pthread_t t;
	if (plugin_ready && pthread_create(&t, 0, plugin_thread, 0) == 0) /* plugin: create */
		pthread_join(t, 0);
	plugin_pair(&plugin_a, &plugin_b);
}
