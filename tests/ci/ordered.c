/* A test of the sample projects that tests/ci_*.sh build to run the README's CI recipes: two threads
 * take the same two locks, always in the same order.  Under coffman it passes with no report. */
#include <pthread.h>

static pthread_mutex_t accounts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;
static int balance;

static void *post_entry(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&accounts_lock);
		pthread_mutex_lock(&ledger_lock);
		balance++;
		pthread_mutex_unlock(&ledger_lock);
		pthread_mutex_unlock(&accounts_lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, post_entry, NULL);
	pthread_create(&b, NULL, post_entry, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return balance == 2000 ? 0 : 1;
}
