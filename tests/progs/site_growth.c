/* site_growth: 60,000 statically initialised mutexes (no *_init call: each gets its site record at its
 * first use, inside the new edge that first takes it), taken in overlapping pairs, so that the lock-site
 * table grows — moves — while new edges are being made (shim/order.c, order_new_edge: the slots found
 * before it reserves room are looked up again when the table moved).  Then two cycles: the whole chain
 * closed by its last lock taken before its first, and two neighbours in the middle taken the other way
 * round.
 *
 *   prints: site_growth: done */
#include <pthread.h>
#include <stdio.h>

#define NLOCKS 60000
static pthread_mutex_t m[NLOCKS];       /* all zero: PTHREAD_MUTEX_INITIALIZER */

static void pair(long outer, long inner)
{
	pthread_mutex_lock(&m[outer]);
	pthread_mutex_lock(&m[inner]);   /* site_growth: inner */
	pthread_mutex_unlock(&m[inner]);
	pthread_mutex_unlock(&m[outer]);
}

int main(void)
{
	for (long i = 0; i + 1 < NLOCKS; i++)
		pair(i, i + 1);
	pair(NLOCKS - 1, 0);            /* closes the chain: a cycle of all of them */
	pair(30001, 30000);             /* a cycle of two */
	printf("site_growth: done\n");
	return 0;
}
