/* liblockdep's patterns (tools/lib/lockdep/tests), ported as a new user would try them.  Lock names
 * spell the pattern: ABBA takes lock_A then lock_B, later lock_B then lock_A.
 *
 *   AA              a mutex locked twice by one thread: double-lock
 *   ABA             A, B, then A again while both are held: double-lock
 *   ABBA            A->B, then B->A, one thread: lock-order-inversion
 *   ABBA_2threads   A->B in one thread, B->A in another (run one after the other): lock-order-inversion
 *   ABBA_reinit     ABBA, destroy both, initialise them again and repeat: lock-order-inversion
 *   ABBCCA          A->B, B->C, C->A: a three-lock cycle
 *   ABCABC          A->B, C->A, B->C: the same cycle found in another order
 *   ABBCCDDA        A->B, B->C, C->D, D->A: a four-lock cycle
 *   ABCDBCDA        A->B, C->D, B->C, D->A: the four-lock cycle again, closed last by D->A
 *   ABCDBDDA        A->B, C->D, B->D, D->A: the cycle A->B->D->A
 *   WW              an rwlock write-locked twice: double-lock
 *   RR              an rwlock read-locked twice (reader-preferring, the default): clean
 *   unlock_balance  lock, unlock, unlock again: bad-unlock
 *   ordered         A->B->C everywhere, in two threads: clean
 */
#include "parity.h"

static pthread_mutex_t lock_A, lock_B, lock_C, lock_D;
static pthread_rwlock_t rwlock_W;

static void init_all(void)
{
	pthread_mutex_init(&lock_A, NULL);
	pthread_mutex_init(&lock_B, NULL);
	pthread_mutex_init(&lock_C, NULL);
	pthread_mutex_init(&lock_D, NULL);
}

static void lock_unlock_2(pthread_mutex_t *first, pthread_mutex_t *second)
{
	pthread_mutex_lock(first);
	pthread_mutex_lock(second);
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static void AA(void)
{
	init_all();
	pthread_mutex_lock(&lock_A);
	pthread_mutex_lock(&lock_A);
}

static void ABA(void)
{
	init_all();
	pthread_mutex_lock(&lock_A);
	pthread_mutex_lock(&lock_B);
	pthread_mutex_lock(&lock_A);
}

static void ABBA(void)
{
	init_all();
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_B, &lock_A);
}

static void *take_A_then_B(void *arg)
{
	(void)arg;
	lock_unlock_2(&lock_A, &lock_B);
	return NULL;
}

static void *take_B_then_A(void *arg)
{
	(void)arg;
	lock_unlock_2(&lock_B, &lock_A);
	return NULL;
}

static void ABBA_2threads(void)
{
	init_all();
	in_thread(take_A_then_B, NULL);
	in_thread(take_B_then_A, NULL);
}

static void ABBA_reinit(void)
{
	init_all();
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_B, &lock_A);
	pthread_mutex_destroy(&lock_B);
	pthread_mutex_destroy(&lock_A);
	pthread_mutex_init(&lock_A, NULL);
	pthread_mutex_init(&lock_B, NULL);
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_B, &lock_A);
}

static void ABBCCA(void)
{
	init_all();
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_B, &lock_C);
	lock_unlock_2(&lock_C, &lock_A);
}

static void ABCABC(void)
{
	init_all();
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_C, &lock_A);
	lock_unlock_2(&lock_B, &lock_C);
}

static void ABBCCDDA(void)
{
	init_all();
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_B, &lock_C);
	lock_unlock_2(&lock_C, &lock_D);
	lock_unlock_2(&lock_D, &lock_A);
}

static void ABCDBCDA(void)
{
	init_all();
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_C, &lock_D);
	lock_unlock_2(&lock_B, &lock_C);
	lock_unlock_2(&lock_D, &lock_A);
}

static void ABCDBDDA(void)
{
	init_all();
	lock_unlock_2(&lock_A, &lock_B);
	lock_unlock_2(&lock_C, &lock_D);
	lock_unlock_2(&lock_B, &lock_D);
	lock_unlock_2(&lock_D, &lock_A);
}

static void WW(void)
{
	pthread_rwlock_init(&rwlock_W, NULL);
	pthread_rwlock_wrlock(&rwlock_W);
	pthread_rwlock_wrlock(&rwlock_W);
}

static void RR(void)
{
	pthread_rwlock_init(&rwlock_W, NULL);
	pthread_rwlock_rdlock(&rwlock_W);
	pthread_rwlock_rdlock(&rwlock_W);
	pthread_rwlock_unlock(&rwlock_W);
	pthread_rwlock_unlock(&rwlock_W);
	pthread_rwlock_destroy(&rwlock_W);
}

static void unlock_balance(void)
{
	init_all();
	pthread_mutex_lock(&lock_A);
	pthread_mutex_unlock(&lock_A);
	pthread_mutex_unlock(&lock_A);
}

static void *take_ABC(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock_A);
		pthread_mutex_lock(&lock_B);
		pthread_mutex_lock(&lock_C);
		pthread_mutex_unlock(&lock_C);
		pthread_mutex_unlock(&lock_B);
		pthread_mutex_unlock(&lock_A);
	}
	return NULL;
}

static void ordered(void)
{
	init_all();
	pthread_t t = spawn(take_ABC, NULL);
	take_ABC(NULL);
	pthread_join(t, NULL);
}

static const struct parity_case cases[] = {
	{ "AA", AA }, { "ABA", ABA }, { "ABBA", ABBA }, { "ABBA_2threads", ABBA_2threads },
	{ "ABBA_reinit", ABBA_reinit }, { "ABBCCA", ABBCCA }, { "ABCABC", ABCABC }, { "ABBCCDDA", ABBCCDDA },
	{ "ABCDBCDA", ABCDBCDA }, { "ABCDBDDA", ABCDBDDA }, { "WW", WW }, { "RR", RR },
	{ "unlock_balance", unlock_balance }, { "ordered", ordered },
};

PARITY_MAIN("lockdep", cases)
