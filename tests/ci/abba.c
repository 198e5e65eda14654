/* A test of the sample projects that tests/ci_*.sh build to run the README's CI recipes: posting
 * takes the accounts lock then the ledger lock, auditing takes them the other way round.  The two
 * threads run one after the other, so this run never deadlocks, but the order is inconsistent: under
 * coffman this test reports a lock-order-inversion and exits 66, so the test harness fails it. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t accounts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;
static int balance, entries;

static void *post_entry(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&accounts_lock);
	pthread_mutex_lock(&ledger_lock);
	balance += 10;
	entries++;
	pthread_mutex_unlock(&ledger_lock);
	pthread_mutex_unlock(&accounts_lock);
	return NULL;
}

static void *audit_ledger(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ledger_lock);
	pthread_mutex_lock(&accounts_lock);
	int ok = balance == 10 * entries;
	pthread_mutex_unlock(&accounts_lock);
	pthread_mutex_unlock(&ledger_lock);
	return ok ? NULL : (void *)1;
}

int main(void)
{
	pthread_t t;
	void *bad;
	pthread_create(&t, NULL, post_entry, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, audit_ledger, NULL);
	pthread_join(t, &bad);
	printf("audit %s\n", bad ? "failed" : "passed");
	return bad ? 1 : 0;
}
