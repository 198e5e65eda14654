/* double_init: a module initialised twice re-initialises its mutex while a thread holds it.
 *
 * Scenario: cache_init() sets up the cache and its lock.  The application calls it at start-up, and a
 * plugin it loads later calls it again "to be sure" — while a worker is in the middle of a cache
 * update holding cache_lock.  The second pthread_mutex_init resets the lock under its holder: another
 * thread could now enter the critical section at the same time.  Natively nothing is visible in this
 * short run.
 *
 * Expected verdict: reinit-live (coffman reports it and the program continues).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t cache_lock;
static int cache_entries;
static atomic_int updating;

static void cache_init(void)
{
	pthread_mutex_init(&cache_lock, NULL);  /* BUG: not guarded against a second call */
	cache_entries = 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void *updater(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cache_lock);
	atomic_store(&updating, 1);
	cache_entries++;
	sleep_ms(200);                          /* a long update */
	pthread_mutex_unlock(&cache_lock);
	return NULL;
}

static void plugin_load(void)
{
	cache_init();                           /* the plugin initialises the cache "to be sure" */
}

int main(void)
{
	cache_init();
	pthread_t th;
	pthread_create(&th, NULL, updater, NULL);
	while (!atomic_load(&updating))
		sleep_ms(1);
	plugin_load();
	pthread_join(th, NULL);
	printf("entries %d\n", cache_entries);
	return 0;
}
