/*
 * double_unlock: an error path that releases the lock and then falls through
 * to the common exit, which releases it again.  post_entry() locks
 * ledger_lock once; when the entry is rejected it unlocks early "to be safe"
 * but forgets to return, so the final unlock runs a second time on a mutex
 * that is no longer locked.  glibc's default mutex silently accepts this, so
 * natively the program exits normally (with the mutex's internal user count
 * quietly corrupted).
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.2 ("release the lock once
 * it is finished, on all paths through the function, including error
 * paths"), and seeds/002_a9242df96512c44f.txt (Lock/Unlock pairing).
 *
 * Expected verdict: bad-unlock (the second unlock of a mutex that is not
 * locked).  The checker reports and continues; the process exits with 66.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards ledger_total */
static long ledger_total;

static bool post_entry(long amount)
{
	bool accepted = true;
	pthread_mutex_lock(&ledger_lock);
	if (amount <= 0) {
		accepted = false;
		pthread_mutex_unlock(&ledger_lock);     /* error path releases ... */
		/* BUG: missing "return false;" here */
	} else {
		ledger_total += amount;
	}
	pthread_mutex_unlock(&ledger_lock);             /* ... and so does the common exit */
	return accepted;
}

static void *bookkeeper(void *arg)
{
	(void)arg;
	post_entry(250);
	post_entry(-40);        /* rejected: unlocks twice */
	return NULL;
}

int main(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, bookkeeper, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(th, "bookkeeper");
	pthread_join(th, NULL);
	printf("ledger total %ld\n", ledger_total);
	return 0;
}
