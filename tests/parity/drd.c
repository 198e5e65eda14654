/* DRD's lock and API-misuse tests (valgrind/drd/tests: pth_cond_destroy_busy, pth_uninitialized_cond,
 * recursive_mutex, pth_inconsistent_cond_wait, pth_mutex_reinit, pth_cancel_locked, pth_cleanup_handler,
 * rwlock_type_checking, sem_as_mutex, sem_open, trylock, pth_spinlock, rwlock_test, pth_barrier,
 * pth_detached_sem), ported as a new user would try them.
 *
 *   pth_cond_destroy_busy      destroy a condition variable a thread waits on: cond-misuse
 *   pth_uninitialized_cond     signal and broadcast on a condition variable whose bytes are not what
 *                              any init writes: use-after-destroy
 *   recursive_mutex_normal     a default mutex locked twice: double-lock
 *   recursive_mutex_errorcheck an error-checking mutex locked twice (EDEADLK): double-lock
 *   recursive_mutex_ok         a recursive mutex locked twice: clean
 *   pth_inconsistent_cond_wait two threads wait on one condition variable with different mutexes:
 *                              cond-misuse
 *   pth_mutex_reinit           pthread_mutex_init on a live mutex: reinit-live
 *   pth_mutex_reinit_locked    pthread_mutex_init on a locked mutex: reinit-live
 *   sem_reinit                 sem_init on a live semaphore (static, initialised and used): reinit-live
 *   pth_cancel_locked          a thread cancelled while it holds a mutex: exit-holding
 *   pth_cleanup_handler        a thread cancelled in a condition wait whose cleanup handler unlocks
 *                              the mutex: clean
 *   mutex_on_rwlock            pthread_mutex_lock/unlock on an rwlock: use-after-destroy (not a mutex)
 *   rwlock_on_mutex            pthread_rwlock_rdlock/unlock on a mutex: use-after-destroy (not an rwlock)
 *   sem_as_mutex               a semaphore used as a mutex by two threads: clean
 *   sem_open                   a named semaphore used as a mutex by two threads: clean
 *   trylock                    every trylock and timed lock of mutexes and rwlocks, uncontended: clean
 *   pth_spinlock               two threads count under a spinlock: clean
 *   rwlock_test                readers and writers on one rwlock: clean
 *   pth_barrier                four threads, a barrier, twenty rounds: clean
 *   pth_detached_sem           detached threads signal their end through a semaphore: clean
 */
#include "parity.h"

#include <fcntl.h>

static pthread_mutex_t mutex_1, mutex_2;
static pthread_cond_t cond_1;
static pthread_rwlock_t rwlock_1;
static pthread_spinlock_t spin_1;
static pthread_barrier_t barrier_1;
static sem_t sem_1, sem_done;
static sem_t *named_sem;
static int counter, ready;

static void *timed_wait_cond_1(void *arg)
{
	pthread_mutex_t *m = arg;
	pthread_mutex_lock(m);
	struct timespec until = ms_from_now(1000);
	while (!ready && pthread_cond_timedwait(&cond_1, m, &until) == 0)
		;
	pthread_mutex_unlock(m);
	return NULL;
}

static void pth_cond_destroy_busy(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_cond_init(&cond_1, NULL);
	pthread_t w = spawn(timed_wait_cond_1, &mutex_1);
	sleep_ms(300);
	pthread_cond_destroy(&cond_1);
	pthread_join(w, NULL);
}

static void pth_uninitialized_cond(void)
{
	static pthread_cond_t junk = PTHREAD_COND_INITIALIZER;
	((unsigned char *)&junk)[sizeof junk - 1] ^= 1;      /* no longer what any init writes */
	pthread_cond_signal(&junk);
	pthread_cond_broadcast(&junk);
}

static void recursive_mutex_normal(void)
{
	init_typed(&mutex_1, PTHREAD_MUTEX_NORMAL);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_lock(&mutex_1);
}

static void recursive_mutex_errorcheck(void)
{
	init_typed(&mutex_1, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_lock(&mutex_1);
	if (pthread_mutex_lock(&mutex_1) == EDEADLK)
		printf("drd: EDEADLK\n");
	pthread_mutex_unlock(&mutex_1);
}

static void recursive_mutex_ok(void)
{
	init_typed(&mutex_1, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
	pthread_mutex_unlock(&mutex_1);
}

static void pth_inconsistent_cond_wait(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_init(&mutex_2, NULL);
	pthread_cond_init(&cond_1, NULL);
	pthread_t a = spawn(timed_wait_cond_1, &mutex_1);
	pthread_t b = spawn(timed_wait_cond_1, &mutex_2);
	sleep_ms(300);
	pthread_mutex_lock(&mutex_1);
	ready = 1;
	pthread_cond_broadcast(&cond_1);
	pthread_mutex_unlock(&mutex_1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

static void pth_mutex_reinit(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_init(&mutex_1, NULL);
}

static void pth_mutex_reinit_locked(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_mutex_lock(&mutex_1);
	pthread_mutex_init(&mutex_1, NULL);
}

static void sem_reinit(void)
{
	sem_init(&sem_1, 0, 1);
	sem_wait(&sem_1);
	sem_post(&sem_1);
	sem_init(&sem_1, 0, 1);
	sem_wait(&sem_1);
}

static void *lock_then_sleep(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mutex_1);
	sem_post(&sem_1);
	for (;;)
		sleep_ms(10);          /* nanosleep: a cancellation point */
	return NULL;
}

static void pth_cancel_locked(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	sem_init(&sem_1, 0, 0);
	pthread_t t = spawn(lock_then_sleep, NULL);
	sem_wait(&sem_1);
	pthread_cancel(t);
	pthread_join(t, NULL);
}

static void unlock_on_cancel(void *m)
{
	pthread_mutex_unlock(m);
}

static void *wait_with_cleanup(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mutex_1);
	pthread_cleanup_push(unlock_on_cancel, &mutex_1);
	sem_post(&sem_1);
	while (!ready)
		pthread_cond_wait(&cond_1, &mutex_1);
	pthread_cleanup_pop(1);
	return NULL;
}

static void pth_cleanup_handler(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_cond_init(&cond_1, NULL);
	sem_init(&sem_1, 0, 0);
	pthread_t t = spawn(wait_with_cleanup, NULL);
	sem_wait(&sem_1);
	pthread_mutex_lock(&mutex_1);          /* the waiter is in its wait now */
	pthread_mutex_unlock(&mutex_1);
	pthread_cancel(t);
	pthread_join(t, NULL);
}

static void mutex_on_rwlock(void)
{
	pthread_rwlock_init(&rwlock_1, NULL);
	pthread_mutex_lock((pthread_mutex_t *)&rwlock_1);
	pthread_mutex_unlock((pthread_mutex_t *)&rwlock_1);
}

static void rwlock_on_mutex(void)
{
	pthread_mutex_init(&mutex_1, NULL);
	pthread_rwlock_rdlock((pthread_rwlock_t *)&mutex_1);
	pthread_rwlock_unlock((pthread_rwlock_t *)&mutex_1);
}

static void *count_under_sem(void *arg)
{
	sem_t *s = arg;
	for (int i = 0; i < 200; i++) {
		sem_wait(s);
		counter++;
		sem_post(s);
	}
	return NULL;
}

static void sem_as_mutex(void)
{
	sem_init(&sem_1, 0, 1);
	pthread_t t = spawn(count_under_sem, &sem_1);
	count_under_sem(&sem_1);
	pthread_join(t, NULL);
	sem_destroy(&sem_1);
}

static void sem_open_(void)
{
	char name[64];
	snprintf(name, sizeof name, "/coffman-parity-%d", (int)getpid());
	named_sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
	if (named_sem == SEM_FAILED) {
		perror("sem_open");
		exit(2);
	}
	sem_unlink(name);
	pthread_t t = spawn(count_under_sem, named_sem);
	count_under_sem(named_sem);
	pthread_join(t, NULL);
	sem_close(named_sem);
}

static void trylock(void)
{
	struct timespec soon = ms_from_now(100);
	pthread_mutex_init(&mutex_1, NULL);
	pthread_rwlock_init(&rwlock_1, NULL);
	if (pthread_mutex_trylock(&mutex_1) == 0)
		pthread_mutex_unlock(&mutex_1);
	if (pthread_mutex_timedlock(&mutex_1, &soon) == 0)
		pthread_mutex_unlock(&mutex_1);
	if (pthread_rwlock_tryrdlock(&rwlock_1) == 0)
		pthread_rwlock_unlock(&rwlock_1);
	if (pthread_rwlock_trywrlock(&rwlock_1) == 0)
		pthread_rwlock_unlock(&rwlock_1);
	if (pthread_rwlock_timedrdlock(&rwlock_1, &soon) == 0)
		pthread_rwlock_unlock(&rwlock_1);
	if (pthread_rwlock_timedwrlock(&rwlock_1, &soon) == 0)
		pthread_rwlock_unlock(&rwlock_1);
	pthread_rwlock_destroy(&rwlock_1);
	pthread_mutex_destroy(&mutex_1);
}

static void *count_under_spin(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		pthread_spin_lock(&spin_1);
		counter++;
		pthread_spin_unlock(&spin_1);
	}
	return NULL;
}

static void pth_spinlock(void)
{
	pthread_spin_init(&spin_1, PTHREAD_PROCESS_PRIVATE);
	pthread_t t = spawn(count_under_spin, NULL);
	count_under_spin(NULL);
	pthread_join(t, NULL);
	pthread_spin_destroy(&spin_1);
}

static void *reader_or_writer(void *arg)
{
	long writer = (long)arg;
	for (int i = 0; i < 200; i++) {
		if (writer)
			pthread_rwlock_wrlock(&rwlock_1);
		else
			pthread_rwlock_rdlock(&rwlock_1);
		if (writer)
			counter++;
		pthread_rwlock_unlock(&rwlock_1);
	}
	return NULL;
}

static void rwlock_test(void)
{
	pthread_rwlock_init(&rwlock_1, NULL);
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		t[i] = spawn(reader_or_writer, (void *)(i & 1));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pthread_rwlock_destroy(&rwlock_1);
}

static void *barrier_rounds(void *arg)
{
	(void)arg;
	for (int round = 0; round < 20; round++)
		pthread_barrier_wait(&barrier_1);
	return NULL;
}

static void pth_barrier(void)
{
	pthread_barrier_init(&barrier_1, NULL, 4);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		t[i] = spawn(barrier_rounds, NULL);
	barrier_rounds(NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier_1);
}

static void *post_done(void *arg)
{
	(void)arg;
	sem_post(&sem_done);
	return NULL;
}

static void pth_detached_sem(void)
{
	pthread_attr_t attr;
	sem_init(&sem_done, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 4; i++) {
		pthread_t t;
		pthread_create(&t, &attr, post_done, NULL);
	}
	for (int i = 0; i < 4; i++)
		sem_wait(&sem_done);
	pthread_attr_destroy(&attr);
}

static const struct parity_case cases[] = {
	{ "pth_cond_destroy_busy", pth_cond_destroy_busy }, { "pth_uninitialized_cond", pth_uninitialized_cond },
	{ "recursive_mutex_normal", recursive_mutex_normal },
	{ "recursive_mutex_errorcheck", recursive_mutex_errorcheck }, { "recursive_mutex_ok", recursive_mutex_ok },
	{ "pth_inconsistent_cond_wait", pth_inconsistent_cond_wait }, { "pth_mutex_reinit", pth_mutex_reinit },
	{ "pth_mutex_reinit_locked", pth_mutex_reinit_locked }, { "sem_reinit", sem_reinit }, { "pth_cancel_locked", pth_cancel_locked },
	{ "pth_cleanup_handler", pth_cleanup_handler }, { "mutex_on_rwlock", mutex_on_rwlock },
	{ "rwlock_on_mutex", rwlock_on_mutex }, { "sem_as_mutex", sem_as_mutex }, { "sem_open", sem_open_ },
	{ "trylock", trylock }, { "pth_spinlock", pth_spinlock }, { "rwlock_test", rwlock_test },
	{ "pth_barrier", pth_barrier }, { "pth_detached_sem", pth_detached_sem },
};

PARITY_MAIN("drd", cases)
