/* A program whose lock counts are known exactly, for the contention profile (tests/profile_counts.sh).
 *
 *   counted_lock    taken 1000 times (or argv[1] times) by the main thread alone: that many
 *                   acquisitions, none contended
 *   contended_lock  3 rounds: the holder takes it, waits until the waiter is about to lock it, keeps
 *                   it 150 ms (hold_for_a_while), releases; the waiter (waiter_thread) takes it once.
 *                   6 acquisitions, at least 1 contended, 2 holder threads
 *   table_lock      an rwlock read 30 times and written 7 times
 *   profile_counts N fork: after its N and table_lock's 37, main forks a child that takes counted_lock
 *                   5 times and exits: the child's profile counts its own 5, not its parent's N
 *                   before them, and does not list table_lock, which it never took
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t counted_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t contended_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int round_ready;          /* the waiter is about to lock, round n */
static atomic_int round_held;           /* the holder has the lock, round n */
static long counter;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static __attribute__((noinline)) void hold_for_a_while(int round)
{
	while (atomic_load(&round_ready) < round)
		sleep_ms(1);
	sleep_ms(150);          /* the waiter is blocked in pthread_mutex_lock meanwhile */
	counter++;
	pthread_mutex_unlock(&contended_lock);
}

static __attribute__((noinline)) void *waiter_thread(void *arg)
{
	(void)arg;
	for (int round = 1; round <= 3; round++) {
		while (atomic_load(&round_held) < round)
			sleep_ms(1);
		atomic_store(&round_ready, round);
		pthread_mutex_lock(&contended_lock);
		counter++;
		pthread_mutex_unlock(&contended_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long counted = argc > 1 ? atol(argv[1]) : 1000;
	for (long i = 0; i < counted; i++) {
		pthread_mutex_lock(&counted_lock);
		counter++;
		pthread_mutex_unlock(&counted_lock);
	}
	for (int i = 0; i < 37; i++) {
		if (i % 5 == 4) {
			pthread_rwlock_wrlock(&table_lock);
			counter++;
		} else {
			pthread_rwlock_rdlock(&table_lock);
		}
		pthread_rwlock_unlock(&table_lock);
	}
	if (argc > 2 && strcmp(argv[2], "fork") == 0) {
		fflush(stdout);
		pid_t child = fork();
		if (child == 0) {
			for (int i = 0; i < 5; i++) {
				pthread_mutex_lock(&counted_lock);
				pthread_mutex_unlock(&counted_lock);
			}
			printf("profile_counts: child %d\n", (int)getpid());
			exit(0);
		}
		waitpid(child, NULL, 0);
	}
	pthread_t th;
	pthread_create(&th, NULL, waiter_thread, NULL);
	for (int round = 1; round <= 3; round++) {
		pthread_mutex_lock(&contended_lock);
		atomic_store(&round_held, round);
		hold_for_a_while(round);
		/* Let the waiter take it before the next round's lock. */
		while (atomic_load(&round_ready) == round && counter < counted + 7 + 2 * round)
			sleep_ms(1);
	}
	pthread_join(th, NULL);
	printf("profile_counts: done, counter %ld\n", counter);
	return 0;
}
