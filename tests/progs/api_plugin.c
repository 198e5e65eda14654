/* A plugin for api_dlopen, built by tests/api_dlopen.sh as a shared object and loaded with dlopen():
 * plugin_update_cache takes plugin_cache_lock then plugin_index_lock, plugin_rebuild_index the other
 * way round (from another thread): an inconsistent lock order inside the library. */
#include <pthread.h>

static pthread_mutex_t plugin_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t plugin_index_lock = PTHREAD_MUTEX_INITIALIZER;
static int plugin_entries;

void plugin_update_cache(void);
void plugin_rebuild_index(void);
int plugin_run(void);

void plugin_update_cache(void)
{
	pthread_mutex_lock(&plugin_cache_lock); /* plugin: hold cache */
	pthread_mutex_lock(&plugin_index_lock); /* plugin: edge cache->index */
	plugin_entries++;
	pthread_mutex_unlock(&plugin_index_lock);
	pthread_mutex_unlock(&plugin_cache_lock);
}

void plugin_rebuild_index(void)
{
	pthread_mutex_lock(&plugin_index_lock); /* plugin: hold index */
	pthread_mutex_lock(&plugin_cache_lock); /* plugin: edge index->cache */
	plugin_entries++;
	pthread_mutex_unlock(&plugin_cache_lock);
	pthread_mutex_unlock(&plugin_index_lock);
}

static void *rebuild_thread(void *arg)
{
	(void)arg;
	plugin_rebuild_index();
	return 0;
}

int plugin_run(void)
{
	plugin_update_cache();
	pthread_t th;
	pthread_create(&th, 0, rebuild_thread, 0);
	pthread_join(th, 0);
	return plugin_entries;
}
