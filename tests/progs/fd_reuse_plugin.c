/* The plugin of tests/progs/fd_reuse.c, built with nocfi_call.S by tests/fd_reuse.sh: an inversion
 * made in its own frames. */
#include <pthread.h>

static pthread_mutex_t plugin_x = PTHREAD_MUTEX_INITIALIZER, plugin_y = PTHREAD_MUTEX_INITIALIZER;

void plugin_both_ways(void);

static void plugin_pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
	pthread_mutex_lock(first);
	pthread_mutex_lock(second);     /* plugin: edge */
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

void plugin_both_ways(void)
{
	plugin_pair(&plugin_x, &plugin_y);
	plugin_pair(&plugin_y, &plugin_x);
}
