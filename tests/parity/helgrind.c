/* Helgrind's lock and API-misuse tests (valgrind/helgrind/tests: tc09..tc24, bar_bad, bar_trivial,
 * pth_destroy_cond, cond_timedwait_invalid, cond_init_destroy), ported as a new user would try them.
 * Data-race tests are not ported: coffman checks locks, not memory.
 *
 *   tc04_free_lock          main frees heap memory holding a locked mutex, and returns from a function
 *                           whose stack frame holds another: destroy-locked (at exit: the memory no
 *                           longer holds the lock).  The heap lock is always reported (malloc writes
 *                           into the freed block); the stack one only when a later call reused its
 *                           frame, which varies from run to run, so the verdict asks for the first
 *   tc09_unlock_unlocked    unlock a mutex that is not locked: bad-unlock
 *   tc09_unlock_foreign     a thread unlocks the mutex main holds: bad-unlock
 *   tc09_unlock_bogus       unlock memory that was never a mutex (all bits set): use-after-destroy
 *   tc10_relock             lock a default mutex twice: double-lock
 *   tc10_errorcheck_relock  lock an error-checking mutex twice (glibc says EDEADLK): double-lock
 *   tc10_recursive_ok       a recursive mutex locked twice, unlocked twice: clean
 *   tc12_rwlock_unlock      rdlock twice, unlock three times: bad-unlock
 *   tc12_rwlock_wr_unlock   wrlock, unlock twice: bad-unlock
 *   tc13_laog               A->B then B->A: lock-order-inversion
 *   tc14_dinphils           five philosophers take left then right fork, one after the other:
 *                           the five-lock cycle, lock-order-inversion
 *   tc15_lockdel            A->B, then B destroyed and a new lock made at its place, B->A: clean
 *   tc17_sembar             a barrier built of a mutex and semaphores, three rounds: clean
 *   tc18_sem_init_huge      sem_init with a value above SEM_VALUE_MAX (fails): use-after-destroy
 *   tc18_sem_bogus          sem_wait and sem_post on memory that was never a semaphore: use-after-destroy
 *   tc20_mutex_init_badattr pthread_mutex_init with an attribute object full of junk (fails):
 *                           use-after-destroy
 *   tc20_lock_bogus         lock, trylock, timedlock, unlock on junk memory: use-after-destroy
 *   tc20_rwlock_never       unlock an rwlock that was initialised but never locked: bad-unlock
 *   tc20_join_self          pthread_join of the calling thread (glibc says EDEADLK): deadlock
 *   tc21_pthonce            pthread_once from several threads: clean
 *   tc22_exit_w_lock        a thread returns holding a mutex: exit-holding
 *   tc23_bogus_mutex        pthread_cond_wait with a pointer into the middle of a mutex: cond-misuse
 *   tc23_unlocked           pthread_cond_wait with a mutex nobody holds: cond-misuse
 *   tc23_rwlock             pthread_cond_wait with an rwlock: cond-misuse
 *   tc23_other_holder       pthread_cond_wait with a mutex another thread holds: cond-misuse
 *   tc24_nonzero_sem        a semaphore initialised to 2, two waits, no posts: clean
 *   bar_zero                a barrier initialised with count 0 (fails): use-after-destroy
 *   bar_twice               a barrier initialised twice: reinit-live
 *   bar_reinit_waited       a barrier initialised again while a thread waits on it: reinit-live
 *   bar_destroy_waited      a barrier destroyed while a thread waits on it: use-after-destroy
 *   bar_destroy_never       destroy memory that was never a barrier: use-after-destroy
 *   bar_trivial             three threads, one barrier, ten rounds: clean
 *   pth_destroy_cond        a condition variable destroyed while a thread waits on it: cond-misuse
 *   cond_timedwait_invalid  pthread_cond_timedwait with tv_nsec out of range (EINVAL): cond-misuse
 *   cond_init_destroy       init, signal, broadcast, destroy, for a few condition variables: clean
 */
#include "parity.h"

#include <limits.h>
#include <stdatomic.h>

static pthread_mutex_t mutex_1, mutex_2;
static pthread_mutex_t forks[5];
static pthread_rwlock_t rwlock_1;
static pthread_cond_t cond_1;
static sem_t sem_1, sem_arrive, sem_leave;
static pthread_barrier_t barrier_1;
static atomic_int rescued;

static __attribute__((noinline)) void lock_on_stack_and_return(void)
{
	pthread_mutex_t on_stack;
	pthread_mutex_init(&on_stack, NULL);
	pthread_mutex_lock(&on_stack);
}

static void tc04_free_lock(void)
{
	pthread_mutex_t *heap_lock = malloc(sizeof *heap_lock);
	pthread_mutex_init(heap_lock, NULL);
	pthread_mutex_lock(heap_lock);
	free(heap_lock);
	lock_on_stack_and_return();
}

static void tc09_unlock_unlocked(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
}

static void *unlock_mutex_1(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&mutex_1);
	return NULL;
}

static void tc09_unlock_foreign(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_lock(&mutex_1);
	in_thread(unlock_mutex_1, NULL);
}

static void tc09_unlock_bogus(void)
{
	static int bogus[100];
	memset(bogus, 0xff, sizeof bogus);
	pthread_mutex_unlock((pthread_mutex_t *)&bogus[50]);
}

static void tc10_relock(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_lock(&mutex_1);
}

static void tc10_errorcheck_relock(void)
{
	init_typed(&mutex_1, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_lock(&mutex_1);
	if (pthread_mutex_lock(&mutex_1) == EDEADLK)
		printf("helgrind: EDEADLK\n");
	pthread_mutex_unlock(&mutex_1);
}

static void tc10_recursive_ok(void)
{
	init_typed(&mutex_1, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
}

static void tc12_rwlock_unlock(void)
{
	pthread_rwlock_init(&rwlock_1, NULL);
	pthread_rwlock_rdlock(&rwlock_1);
	pthread_rwlock_rdlock(&rwlock_1);
	pthread_rwlock_unlock(&rwlock_1);
	pthread_rwlock_unlock(&rwlock_1);
	pthread_rwlock_unlock(&rwlock_1);
}

static void tc12_rwlock_wr_unlock(void)
{
	pthread_rwlock_init(&rwlock_1, NULL);
	pthread_rwlock_wrlock(&rwlock_1);
	pthread_rwlock_unlock(&rwlock_1);
	pthread_rwlock_unlock(&rwlock_1);
}

static void tc13_laog(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_init(&mutex_2, NULL);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_lock(&mutex_2);
	pthread_mutex_unlock(&mutex_2);
	pthread_mutex_unlock(&mutex_1);
	pthread_mutex_lock(&mutex_2);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
	pthread_mutex_unlock(&mutex_2);
}

static void *philosopher(void *arg)
{
	long i = (long)arg;
	pthread_mutex_lock(&forks[i]);
	pthread_mutex_lock(&forks[(i + 1) % 5]);
	pthread_mutex_unlock(&forks[(i + 1) % 5]);
	pthread_mutex_unlock(&forks[i]);
	return NULL;
}

static void tc14_dinphils(void)
{
	for (int i = 0; i < 5; i++)
		pthread_mutex_init(&forks[i], NULL);
	for (long i = 0; i < 5; i++)
		in_thread(philosopher, (void *)i);
}

static void tc15_lockdel(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_init(&mutex_2, NULL);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_lock(&mutex_2);
	pthread_mutex_unlock(&mutex_2);
	pthread_mutex_unlock(&mutex_1);
	pthread_mutex_destroy(&mutex_2);
	pthread_mutex_init(&mutex_2, NULL);       /* a new lock where the old one was */
	pthread_mutex_lock(&mutex_2);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
	pthread_mutex_unlock(&mutex_2);
}

/* A barrier for three made of a mutex and two semaphores (the classic two-turnstile barrier). */
static int arrived;

static void sem_barrier_wait(void)
{
	pthread_mutex_lock(&mutex_1);
	if (++arrived == 3)
		for (int i = 0; i < 3; i++)
			sem_post(&sem_arrive);
	pthread_mutex_unlock(&mutex_1);
	sem_wait(&sem_arrive);
	pthread_mutex_lock(&mutex_1);
	if (--arrived == 0)
		for (int i = 0; i < 3; i++)
			sem_post(&sem_leave);
	pthread_mutex_unlock(&mutex_1);
	sem_wait(&sem_leave);
}

static void *sembar_rounds(void *arg)
{
	(void)arg;
	for (int round = 0; round < 3; round++)
		sem_barrier_wait();
	return NULL;
}

static void tc17_sembar(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	sem_init(&sem_arrive, 0, 0);
	sem_init(&sem_leave, 0, 0);
	pthread_t a = spawn(sembar_rounds, NULL), b = spawn(sembar_rounds, NULL);
	sembar_rounds(NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	sem_destroy(&sem_arrive);
	sem_destroy(&sem_leave);
}

static void tc18_sem_init_huge(void)
{
	if (sem_init(&sem_1, 0, ~0u) != 0)
		printf("helgrind: sem_init failed\n");
}

static void tc18_sem_bogus(void)
{
	static sem_t never;
	memset(&never, 0x55, sizeof never);
	memset((char *)&never + 4, 0, 4);       /* no waiters: keeps glibc's sem_post away from futex() */
	sem_wait(&never);
	sem_post(&never);
}

static void tc20_mutex_init_badattr(void)
{
	pthread_mutexattr_t junk;
	memset(&junk, 0xff, sizeof junk);
	if (pthread_mutex_init(&mutex_1, &junk) != 0)
		printf("helgrind: pthread_mutex_init failed\n");
}

static void tc20_lock_bogus(void)
{
	static pthread_mutex_t junk;
	struct timespec zero = { 0, 0 };
	memset(&junk, 0xff, sizeof junk);
	pthread_mutex_lock(&junk);
	pthread_mutex_trylock(&junk);
	pthread_mutex_timedlock(&junk, &zero);
	pthread_mutex_unlock(&junk);
}

static void tc20_rwlock_never(void)
{
	pthread_rwlock_init(&rwlock_1, NULL);
	pthread_rwlock_unlock(&rwlock_1);
}

static void tc20_join_self(void)
{
	if (pthread_join(pthread_self(), NULL) == EDEADLK)
		printf("helgrind: EDEADLK\n");
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_count;

static void count_once(void)
{
	once_count++;
}

static void *call_once(void *arg)
{
	(void)arg;
	pthread_once(&once, count_once);
	return NULL;
}

static void tc21_pthonce(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		t[i] = spawn(call_once, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

static void *lock_and_return(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mutex_1);
	return NULL;
}

static void tc22_exit_w_lock(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	in_thread(lock_and_return, NULL);
}

/* tc23: each wait is ended by a rescuer that keeps signalling until the wait has returned. */
static void *rescuer(void *arg)
{
	(void)arg;
	while (!atomic_load(&rescued)) {
		sleep_ms(20);
		pthread_cond_signal(&cond_1);
	}
	return NULL;
}

static void wait_rescued(pthread_mutex_t *m)
{
	pthread_cond_init(&cond_1, NULL);
	pthread_t r = spawn(rescuer, NULL);
	pthread_cond_wait(&cond_1, m);
	atomic_store(&rescued, 1);
	pthread_join(r, NULL);
}

static void tc23_bogus_mutex(void)
{
	static pthread_mutex_t pair[2];
	pthread_mutex_init(&pair[0], NULL);
	pthread_mutex_init(&pair[1], NULL);
	wait_rescued((pthread_mutex_t *)(1 + (char *)&pair[0]));
}

static void tc23_unlocked(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	wait_rescued(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
}

static void tc23_rwlock(void)
{
	pthread_rwlock_init(&rwlock_1, NULL);
	wait_rescued((pthread_mutex_t *)&rwlock_1);
}

static void *grab_mutex_2(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mutex_2);
	sem_post(&sem_arrive);
	sem_wait(&sem_leave);
	return NULL;        /* the wait below took mutex_2 over: nothing to unlock */
}

static void tc23_other_holder(void)
{
	pthread_mutex_init(&mutex_2, NULL);
	sem_init(&sem_arrive, 0, 0);
	sem_init(&sem_leave, 0, 0);
	pthread_t g = spawn(grab_mutex_2, NULL);
	sem_wait(&sem_arrive);
	wait_rescued(&mutex_2);
	pthread_mutex_unlock(&mutex_2);
	sem_post(&sem_leave);
	pthread_join(g, NULL);
}

static void tc24_nonzero_sem(void)
{
	sem_init(&sem_1, 0, 2);
	sem_wait(&sem_1);
	sem_wait(&sem_1);
	sem_destroy(&sem_1);
}

static void bar_zero(void)
{
	if (pthread_barrier_init(&barrier_1, NULL, 0) != 0)
		printf("helgrind: pthread_barrier_init failed\n");
}

static void bar_twice(void)
{
	pthread_barrier_init(&barrier_1, NULL, 1);
	pthread_barrier_init(&barrier_1, NULL, 1);
}

static void *wait_barrier_1(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier_1);
	return NULL;
}

static void *arrive_late(void *arg)
{
	sleep_ms(800);
	return wait_barrier_1(arg);
}

static void bar_reinit_waited(void)
{
	pthread_barrier_init(&barrier_1, NULL, 2);
	pthread_t w = spawn(wait_barrier_1, NULL);
	sleep_ms(300);
	pthread_barrier_init(&barrier_1, NULL, 2);
	pthread_detach(w);                       /* w waits in the old round for ever; exit ends it */
}

static void bar_destroy_waited(void)
{
	pthread_barrier_init(&barrier_1, NULL, 2);
	pthread_t w = spawn(wait_barrier_1, NULL);
	pthread_t late = spawn(arrive_late, NULL);     /* completes the round so that the destroy returns */
	sleep_ms(300);
	pthread_barrier_destroy(&barrier_1);
	pthread_join(late, NULL);
	pthread_detach(w);      /* glibc may leave it asleep in the destroyed barrier's round: exit ends it */
}

static void bar_destroy_never(void)
{
	pthread_barrier_t *never = malloc(sizeof *never);
	memset(never, 1, sizeof *never);
	pthread_barrier_destroy(never);
	free(never);
}

static void *barrier_rounds(void *arg)
{
	(void)arg;
	for (int round = 0; round < 10; round++)
		pthread_barrier_wait(&barrier_1);
	return NULL;
}

static void bar_trivial(void)
{
	pthread_barrier_init(&barrier_1, NULL, 3);
	pthread_t a = spawn(barrier_rounds, NULL), b = spawn(barrier_rounds, NULL);
	barrier_rounds(NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&barrier_1);
}

static int cond_ready;

static void *wait_cond_1(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mutex_1);
	struct timespec until = ms_from_now(1000);
	while (!cond_ready && pthread_cond_timedwait(&cond_1, &mutex_1, &until) == 0)
		;
	pthread_mutex_unlock(&mutex_1);
	return NULL;
}

static void pth_destroy_cond(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_cond_init(&cond_1, NULL);
	pthread_t w = spawn(wait_cond_1, NULL);
	sleep_ms(300);
	pthread_cond_destroy(&cond_1);
	pthread_mutex_lock(&mutex_1);
	cond_ready = 1;
	pthread_mutex_unlock(&mutex_1);
	pthread_join(w, NULL);
}

static void cond_timedwait_invalid(void)
{
	struct timespec bad = { 0, 1000000000L + 1 };
	pthread_mutex_init(&mutex_1, NULL);
	pthread_cond_init(&cond_1, NULL);
	pthread_mutex_lock(&mutex_1);
	if (pthread_cond_timedwait(&cond_1, &mutex_1, &bad) == EINVAL)
		printf("helgrind: EINVAL\n");
	pthread_mutex_unlock(&mutex_1);
}

static void cond_init_destroy(void)
{
	pthread_cond_t c[3];
	for (int i = 0; i < 3; i++) {
		pthread_cond_init(&c[i], NULL);
		pthread_cond_signal(&c[i]);
		pthread_cond_broadcast(&c[i]);
	}
	for (int i = 0; i < 3; i++)
		pthread_cond_destroy(&c[i]);
}

static const struct parity_case cases[] = {
	{ "tc04_free_lock", tc04_free_lock },
	{ "tc09_unlock_unlocked", tc09_unlock_unlocked }, { "tc09_unlock_foreign", tc09_unlock_foreign },
	{ "tc09_unlock_bogus", tc09_unlock_bogus }, { "tc10_relock", tc10_relock },
	{ "tc10_errorcheck_relock", tc10_errorcheck_relock }, { "tc10_recursive_ok", tc10_recursive_ok },
	{ "tc12_rwlock_unlock", tc12_rwlock_unlock }, { "tc12_rwlock_wr_unlock", tc12_rwlock_wr_unlock },
	{ "tc13_laog", tc13_laog }, { "tc14_dinphils", tc14_dinphils }, { "tc15_lockdel", tc15_lockdel },
	{ "tc17_sembar", tc17_sembar }, { "tc18_sem_init_huge", tc18_sem_init_huge },
	{ "tc18_sem_bogus", tc18_sem_bogus }, { "tc20_mutex_init_badattr", tc20_mutex_init_badattr },
	{ "tc20_lock_bogus", tc20_lock_bogus }, { "tc20_rwlock_never", tc20_rwlock_never },
	{ "tc20_join_self", tc20_join_self }, { "tc21_pthonce", tc21_pthonce },
	{ "tc22_exit_w_lock", tc22_exit_w_lock }, { "tc23_bogus_mutex", tc23_bogus_mutex },
	{ "tc23_unlocked", tc23_unlocked }, { "tc23_rwlock", tc23_rwlock },
	{ "tc23_other_holder", tc23_other_holder }, { "tc24_nonzero_sem", tc24_nonzero_sem },
	{ "bar_zero", bar_zero }, { "bar_twice", bar_twice }, { "bar_reinit_waited", bar_reinit_waited },
	{ "bar_destroy_waited", bar_destroy_waited }, { "bar_destroy_never", bar_destroy_never },
	{ "bar_trivial", bar_trivial }, { "pth_destroy_cond", pth_destroy_cond },
	{ "cond_timedwait_invalid", cond_timedwait_invalid }, { "cond_init_destroy", cond_init_destroy },
};

PARITY_MAIN("helgrind", cases)
