/* A library that makes every lock through one wrapper, the way vlc_mutex_init, PR_NewLock or
 * CRYPTO_THREAD_lock_new do, and one object whose lock it makes itself (built by
 * tests/graphs_wrapper.sh as libwrapper_lib.so). */
#include <pthread.h>
#include <stdlib.h>

void lib_mutex_init(pthread_mutex_t *m)
{
	pthread_mutex_init(m, NULL);    /* wrapper: the one init */
}

struct journal {
	pthread_mutex_t mu;
};

struct journal *journal_new(void)
{
	struct journal *j = malloc(sizeof *j);
	if (j)
		pthread_mutex_init(&j->mu, NULL);       /* journal: its own init */
	return j;
}

pthread_mutex_t *journal_lock(struct journal *j)
{
	return &j->mu;
}
