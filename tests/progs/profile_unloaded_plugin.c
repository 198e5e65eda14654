/* The plugin of tests/progs/profile_unloaded.c, built by tests/profile_unloaded.sh: it initialises the
 * program's lock and has two threads take it in turn, each holding it a while, so that the other waits.
 * They start together (a barrier): on a loaded machine the second thread was once created only after
 * the first had finished its 10 turns, and nothing waited. */
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t *lock;
static pthread_barrier_t start;

static void *taker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < 10; i++) {
		pthread_mutex_lock(lock); /* plugin: the wait */
		usleep(2000);
		pthread_mutex_unlock(lock);
		usleep(100);
	}
	return NULL;
}

int plugin_contend(pthread_mutex_t *m)
{
	lock = m;
	pthread_mutex_init(m, NULL); /* plugin: created here */
	pthread_t t[2];
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, taker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	return 20;
}
