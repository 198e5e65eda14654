/* ThreadSanitizer's mutex lit tests (compiler-rt/test/tsan: mutex_*, must_deadlock, mutexset*,
 * deadlock_detector_stress_test), ported as a new user would try them.
 *
 *   mutex_cycle2           ABBA across two threads (one after the other): lock-order-inversion
 *   mutex_cycle_long       ten mutexes, each thread takes ring[i] then ring[i+1]: a ten-lock cycle
 *   must_deadlock          two threads really deadlock (ABBA, both first locks taken): deadlock
 *   mutex_destroy_locked   destroy a locked mutex: destroy-locked
 *   mutex_double_lock      lock a mutex twice: double-lock
 *   mutex_bad_unlock       unlock a mutex never locked: bad-unlock
 *   mutex_unlock_other     unlock a mutex another thread holds: bad-unlock
 *   mutex_bad_read_lock    read-lock an rwlock this thread write-holds: double-lock
 *   mutex_bad_read_unlock  read-lock once, unlock twice: bad-unlock
 *   mutex_lock_destroyed   lock a destroyed mutex: use-after-destroy
 *   rwlock_cycle           rdlock A -> wrlock B, then wrlock B -> rdlock A: lock-order-inversion
 *   spin_cycle             spinlocks in ABBA order: lock-order-inversion
 *   trylock_reverse        A->B, then holding B, trylock A (a trylock cannot deadlock): clean
 *   destroyed_cycle        A->B, both destroyed and initialised anew, then B->A: clean (new locks)
 *   recursive_ok           a recursive mutex locked three times: clean
 *   mutexset               two threads take two locks in one order, many times: clean
 *   robust_owner_dies      a robust mutex's owner exits; the next locker makes it consistent: clean
 */
#include "parity.h"

static pthread_mutex_t lock_A, lock_B, lock_M;
static pthread_mutex_t ring[10];
static pthread_rwlock_t rwlock_A, rwlock_B;
static pthread_spinlock_t spin_A, spin_B;
static pthread_barrier_t both_first;

static void init_AB(void)
{
	pthread_mutex_init(&lock_A, NULL);
	pthread_mutex_init(&lock_B, NULL);
}

static void *a_then_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_A);
	pthread_mutex_lock(&lock_B);
	pthread_mutex_unlock(&lock_B);
	pthread_mutex_unlock(&lock_A);
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_B);
	pthread_mutex_lock(&lock_A);
	pthread_mutex_unlock(&lock_A);
	pthread_mutex_unlock(&lock_B);
	return NULL;
}

static void mutex_cycle2(void)
{
	init_AB();
	in_thread(a_then_b, NULL);
	in_thread(b_then_a, NULL);
}

static void *ring_step(void *arg)
{
	long i = (long)arg;
	pthread_mutex_lock(&ring[i]);
	pthread_mutex_lock(&ring[(i + 1) % 10]);
	pthread_mutex_unlock(&ring[(i + 1) % 10]);
	pthread_mutex_unlock(&ring[i]);
	return NULL;
}

static void mutex_cycle_long(void)
{
	for (int i = 0; i < 10; i++)
		pthread_mutex_init(&ring[i], NULL);
	for (long i = 0; i < 10; i++)
		in_thread(ring_step, (void *)i);
}

static void *deadlock_b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_B);
	pthread_barrier_wait(&both_first);
	pthread_mutex_lock(&lock_A);
	return NULL;
}

static void must_deadlock(void)
{
	init_AB();
	pthread_barrier_init(&both_first, NULL, 2);
	pthread_t t = spawn(deadlock_b_then_a, NULL);
	pthread_mutex_lock(&lock_A);
	pthread_barrier_wait(&both_first);
	pthread_mutex_lock(&lock_B);
	pthread_join(t, NULL);
}

static void mutex_destroy_locked(void)
{
	pthread_mutex_init(&lock_M, NULL);
	pthread_mutex_lock(&lock_M);
	pthread_mutex_destroy(&lock_M);
}

static void mutex_double_lock(void)
{
	pthread_mutex_init(&lock_M, NULL);
	pthread_mutex_lock(&lock_M);
	pthread_mutex_lock(&lock_M);
}

static void mutex_bad_unlock(void)
{
	pthread_mutex_init(&lock_M, NULL);
	pthread_mutex_unlock(&lock_M);
}

static void *unlock_M(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&lock_M);
	return NULL;
}

static void mutex_unlock_other(void)
{
	pthread_mutex_init(&lock_M, NULL);
	pthread_mutex_lock(&lock_M);
	in_thread(unlock_M, NULL);
}

static void mutex_bad_read_lock(void)
{
	pthread_rwlock_init(&rwlock_A, NULL);
	pthread_rwlock_wrlock(&rwlock_A);
	pthread_rwlock_rdlock(&rwlock_A);
}

static void mutex_bad_read_unlock(void)
{
	pthread_rwlock_init(&rwlock_A, NULL);
	pthread_rwlock_rdlock(&rwlock_A);
	pthread_rwlock_unlock(&rwlock_A);
	pthread_rwlock_unlock(&rwlock_A);
}

static void mutex_lock_destroyed(void)
{
	pthread_mutex_init(&lock_M, NULL);
	pthread_mutex_destroy(&lock_M);
	pthread_mutex_lock(&lock_M);
	pthread_mutex_unlock(&lock_M);
}

static void rwlock_cycle(void)
{
	pthread_rwlock_init(&rwlock_A, NULL);
	pthread_rwlock_init(&rwlock_B, NULL);
	pthread_rwlock_rdlock(&rwlock_A);
	pthread_rwlock_wrlock(&rwlock_B);
	pthread_rwlock_unlock(&rwlock_B);
	pthread_rwlock_unlock(&rwlock_A);
	pthread_rwlock_wrlock(&rwlock_B);
	pthread_rwlock_rdlock(&rwlock_A);
	pthread_rwlock_unlock(&rwlock_A);
	pthread_rwlock_unlock(&rwlock_B);
}

static void spin_cycle(void)
{
	pthread_spin_init(&spin_A, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&spin_B, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_lock(&spin_A);
	pthread_spin_lock(&spin_B);
	pthread_spin_unlock(&spin_B);
	pthread_spin_unlock(&spin_A);
	pthread_spin_lock(&spin_B);
	pthread_spin_lock(&spin_A);
	pthread_spin_unlock(&spin_A);
	pthread_spin_unlock(&spin_B);
}

static void trylock_reverse(void)
{
	init_AB();
	a_then_b(NULL);
	pthread_mutex_lock(&lock_B);
	if (pthread_mutex_trylock(&lock_A) == 0)
		pthread_mutex_unlock(&lock_A);
	pthread_mutex_unlock(&lock_B);
}

static void destroyed_cycle(void)
{
	init_AB();
	a_then_b(NULL);
	pthread_mutex_destroy(&lock_A);
	pthread_mutex_destroy(&lock_B);
	init_AB();
	b_then_a(NULL);
}

static void recursive_ok(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lock_M, &attr);
	for (int i = 0; i < 3; i++)
		pthread_mutex_lock(&lock_M);
	for (int i = 0; i < 3; i++)
		pthread_mutex_unlock(&lock_M);
	pthread_mutex_destroy(&lock_M);
}

static void *a_then_b_often(void *arg)
{
	for (int i = 0; i < 200; i++)
		a_then_b(arg);
	return NULL;
}

static void mutexset(void)
{
	init_AB();
	pthread_t t = spawn(a_then_b_often, NULL);
	a_then_b_often(NULL);
	pthread_join(t, NULL);
}

static void *lock_and_die(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_M);
	return NULL;
}

static void robust_owner_dies(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&lock_M, &attr);
	in_thread(lock_and_die, NULL);
	if (pthread_mutex_lock(&lock_M) == EOWNERDEAD)
		pthread_mutex_consistent(&lock_M);
	pthread_mutex_unlock(&lock_M);
	pthread_mutex_destroy(&lock_M);
}

static const struct parity_case cases[] = {
	{ "mutex_cycle2", mutex_cycle2 }, { "mutex_cycle_long", mutex_cycle_long },
	{ "must_deadlock", must_deadlock }, { "mutex_destroy_locked", mutex_destroy_locked },
	{ "mutex_double_lock", mutex_double_lock }, { "mutex_bad_unlock", mutex_bad_unlock },
	{ "mutex_unlock_other", mutex_unlock_other }, { "mutex_bad_read_lock", mutex_bad_read_lock },
	{ "mutex_bad_read_unlock", mutex_bad_read_unlock }, { "mutex_lock_destroyed", mutex_lock_destroyed },
	{ "rwlock_cycle", rwlock_cycle }, { "spin_cycle", spin_cycle }, { "trylock_reverse", trylock_reverse },
	{ "destroyed_cycle", destroyed_cycle }, { "recursive_ok", recursive_ok }, { "mutexset", mutexset },
	{ "robust_owner_dies", robust_owner_dies },
};

PARITY_MAIN("tsan", cases)
