/* The holder's critical section, for each kind of lock whose release looks for a waiter its own way
 * (tests/profile_holders.sh): a mutex asks glibc's lock word, a C11 mtx_t is the same object, an
 * rwlock reads a count of rwlock waiters.
 *
 *   mutex_lock     held by main in hold_mutex() while mutex_waiter() blocks on it
 *   c11_lock       held by main in hold_c11() while c11_waiter() blocks on it
 *   table_lock     write-held by main in hold_table() while table_reader() blocks on a read
 *
 * Each waiter gives its thread id; the holder keeps the lock until that thread is asleep (its state
 * in /proc), then 50 ms more, so each lock has exactly one contended acquisition even on a loaded
 * machine.  Every wait is attributed to the holder's function in holder_delay.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mutex_lock = PTHREAD_MUTEX_INITIALIZER;
static mtx_t c11_lock;
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int waiter;               /* the thread id of a waiter about to lock, or 0 */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static char thread_state(int tid)
{
	char path[64], state = '?';
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = '?';
		fclose(f);
	}
	return state;
}

static void wait_for_waiter(void)
{
	int tid;
	while (!(tid = atomic_load(&waiter)))
		sleep_ms(1);
	atomic_store(&waiter, 0);
	for (int i = 0; i < 5000 && thread_state(tid) != 'S'; i++)
		sleep_ms(1);
	sleep_ms(50);
}

static void about_to_lock(void)
{
	atomic_store(&waiter, (int)gettid());
}

static __attribute__((noinline)) void *mutex_waiter(void *arg)
{
	(void)arg;
	about_to_lock();
	pthread_mutex_lock(&mutex_lock);
	pthread_mutex_unlock(&mutex_lock);
	return NULL;
}

static __attribute__((noinline)) int c11_waiter(void *arg)
{
	(void)arg;
	about_to_lock();
	mtx_lock(&c11_lock);
	mtx_unlock(&c11_lock);
	return 0;
}

static __attribute__((noinline)) void *table_reader(void *arg)
{
	(void)arg;
	about_to_lock();
	pthread_rwlock_rdlock(&table_lock);
	pthread_rwlock_unlock(&table_lock);
	return NULL;
}

static __attribute__((noinline)) void hold_mutex(void)
{
	wait_for_waiter();
	pthread_mutex_unlock(&mutex_lock);
}

static __attribute__((noinline)) void hold_c11(void)
{
	wait_for_waiter();
	mtx_unlock(&c11_lock);
}

static __attribute__((noinline)) void hold_table(void)
{
	wait_for_waiter();
	pthread_rwlock_unlock(&table_lock);
}

int main(void)
{
	pthread_t th;
	thrd_t c11;
	mtx_init(&c11_lock, mtx_plain);

	pthread_mutex_lock(&mutex_lock);
	pthread_create(&th, NULL, mutex_waiter, NULL);
	hold_mutex();
	pthread_join(th, NULL);

	mtx_lock(&c11_lock);
	thrd_create(&c11, c11_waiter, NULL);
	hold_c11();
	thrd_join(c11, NULL);

	pthread_rwlock_wrlock(&table_lock);
	pthread_create(&th, NULL, table_reader, NULL);
	hold_table();
	pthread_join(th, NULL);

	mtx_destroy(&c11_lock);
	puts("profile_holders: done");
	return 0;
}
