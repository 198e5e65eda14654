/* The Toyota ITC benchmark's lock defects (deadlock, double_lock, double_release, lock_never_unlock)
 * and their no-defect twins, ported as a new user would try them: the defect sits in helpers,
 * loops, conditions and callbacks, as in the benchmark, not always in the function that locks.
 *
 *   deadlock_two_threads     worker 1 takes A then B, worker 2 B then A: lock-order-inversion
 *   deadlock_callback        the B->A order is taken inside a callback passed by pointer:
 *                            lock-order-inversion
 *   deadlock_three_threads   A->B, B->C, C->A, one per thread: lock-order-inversion
 *   deadlock_real            two threads hold one lock each and want the other's: deadlock
 *   double_lock_simple       lock A twice in one function: double-lock
 *   double_lock_callee       lock A, then call a helper that locks A: double-lock
 *   double_lock_loop         lock A in a loop, unlocking only after the loop: double-lock
 *   double_lock_condition    the second lock hides behind an if that is true: double-lock
 *   double_release_simple    unlock A twice: bad-unlock
 *   double_release_callee    unlock A, then a helper unlocks A again: bad-unlock
 *   double_release_loop      lock once, unlock in a loop of two: bad-unlock
 *   lock_never_unlock        a worker returns on an early path without unlocking: exit-holding
 *   ordered_no_defect        both workers take A then B: clean
 *   lock_loop_no_defect      lock and unlock A in a loop, in two threads: clean
 *   release_once_no_defect   lock, unlock, lock, unlock: clean
 */
#include "parity.h"

static pthread_mutex_t lock_A = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_B = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_C = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t first_locks;
static int shared_value;

static void lock_pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
	pthread_mutex_lock(first);
	pthread_mutex_lock(second);
	shared_value++;
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static void *worker_AB(void *arg)
{
	(void)arg;
	lock_pair(&lock_A, &lock_B);
	return NULL;
}

static void *worker_BA(void *arg)
{
	(void)arg;
	lock_pair(&lock_B, &lock_A);
	return NULL;
}

static void *worker_BC(void *arg)
{
	(void)arg;
	lock_pair(&lock_B, &lock_C);
	return NULL;
}

static void *worker_CA(void *arg)
{
	(void)arg;
	lock_pair(&lock_C, &lock_A);
	return NULL;
}

static void deadlock_two_threads(void)
{
	in_thread(worker_AB, NULL);
	in_thread(worker_BA, NULL);
}

static void take_A_inside(void)
{
	pthread_mutex_lock(&lock_A);
	shared_value++;
	pthread_mutex_unlock(&lock_A);
}

static void *worker_with_callback(void *arg)
{
	void (*callback)(void) = (void (*)(void))arg;
	pthread_mutex_lock(&lock_B);
	callback();
	pthread_mutex_unlock(&lock_B);
	return NULL;
}

static void deadlock_callback(void)
{
	in_thread(worker_AB, NULL);
	in_thread(worker_with_callback, (void *)take_A_inside);
}

static void deadlock_three_threads(void)
{
	in_thread(worker_AB, NULL);
	in_thread(worker_BC, NULL);
	in_thread(worker_CA, NULL);
}

static void *hold_B_want_A(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_B);
	pthread_barrier_wait(&first_locks);
	pthread_mutex_lock(&lock_A);
	return NULL;
}

static void deadlock_real(void)
{
	pthread_barrier_init(&first_locks, NULL, 2);
	pthread_t t = spawn(hold_B_want_A, NULL);
	pthread_mutex_lock(&lock_A);
	pthread_barrier_wait(&first_locks);
	pthread_mutex_lock(&lock_B);
	pthread_join(t, NULL);
}

static void double_lock_simple(void)
{
	pthread_mutex_lock(&lock_A);
	shared_value++;
	pthread_mutex_lock(&lock_A);
}

static void helper_locks_A(void)
{
	pthread_mutex_lock(&lock_A);
	shared_value++;
	pthread_mutex_unlock(&lock_A);
}

static void double_lock_callee(void)
{
	pthread_mutex_lock(&lock_A);
	helper_locks_A();
	pthread_mutex_unlock(&lock_A);
}

static void double_lock_loop(void)
{
	for (int i = 0; i < 2; i++)
		pthread_mutex_lock(&lock_A);
	pthread_mutex_unlock(&lock_A);
}

static void double_lock_condition(void)
{
	int again = shared_value == 0;
	pthread_mutex_lock(&lock_A);
	if (again)
		pthread_mutex_lock(&lock_A);
	pthread_mutex_unlock(&lock_A);
}

static void double_release_simple(void)
{
	pthread_mutex_lock(&lock_A);
	shared_value++;
	pthread_mutex_unlock(&lock_A);
	pthread_mutex_unlock(&lock_A);
}

static void helper_unlocks_A(void)
{
	pthread_mutex_unlock(&lock_A);
}

static void double_release_callee(void)
{
	pthread_mutex_lock(&lock_A);
	pthread_mutex_unlock(&lock_A);
	helper_unlocks_A();
}

static void double_release_loop(void)
{
	pthread_mutex_lock(&lock_A);
	for (int i = 0; i < 2; i++)
		pthread_mutex_unlock(&lock_A);
}

static void *worker_early_return(void *arg)
{
	int fail = *(int *)arg;
	pthread_mutex_lock(&lock_A);
	if (fail)
		return NULL;     /* the defect: this path forgets the unlock */
	pthread_mutex_unlock(&lock_A);
	return NULL;
}

static void lock_never_unlock(void)
{
	int fail = 1;
	in_thread(worker_early_return, &fail);
}

static void ordered_no_defect(void)
{
	pthread_t a = spawn(worker_AB, NULL), b = spawn(worker_AB, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

static void *lock_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock_A);
		shared_value++;
		pthread_mutex_unlock(&lock_A);
	}
	return NULL;
}

static void lock_loop_no_defect(void)
{
	pthread_t a = spawn(lock_loop, NULL);
	lock_loop(NULL);
	pthread_join(a, NULL);
}

static void release_once_no_defect(void)
{
	for (int i = 0; i < 2; i++) {
		pthread_mutex_lock(&lock_A);
		shared_value++;
		pthread_mutex_unlock(&lock_A);
	}
}

static const struct parity_case cases[] = {
	{ "deadlock_two_threads", deadlock_two_threads }, { "deadlock_callback", deadlock_callback },
	{ "deadlock_three_threads", deadlock_three_threads }, { "deadlock_real", deadlock_real },
	{ "double_lock_simple", double_lock_simple }, { "double_lock_callee", double_lock_callee },
	{ "double_lock_loop", double_lock_loop }, { "double_lock_condition", double_lock_condition },
	{ "double_release_simple", double_release_simple }, { "double_release_callee", double_release_callee },
	{ "double_release_loop", double_release_loop }, { "lock_never_unlock", lock_never_unlock },
	{ "ordered_no_defect", ordered_no_defect }, { "lock_loop_no_defect", lock_loop_no_defect },
	{ "release_once_no_defect", release_once_no_defect },
};

PARITY_MAIN("itc", cases)
