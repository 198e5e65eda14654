/* Timed holds nested in timed holds, for the contention profile (tests/profile_nested.sh).
 *
 *   outer_lock   taken 10 times by the main thread, each hold about 20 ms (slept), and inside each
 *                hold middle_lock, inside that inner_lock (every hold of all three is among each
 *                lock's first holds, all timed): outer_lock's hold time is about 200 ms, middle_lock's
 *                about 100 ms (10 ms of each outer hold), inner_lock's about 0
 *   swapped_lock, other_lock  "swapped": 10 times, swapped_lock taken, other_lock taken, swapped_lock
 *                released first (out of order), 10 ms slept holding other_lock alone, other_lock
 *                released; then swapped_lock taken again and released at once: its hold time stays
 *                small (the first, out-of-order hold ends unseen, and is not resumed for the second)
 *   early_lock   "early": held 10 ms 8 times (its first holds, all timed), then 20,000 times briefly
 *                (1 in 256 timed): its hold total is about 80 ms, not the 8 long holds' mean times
 *                20,008 (an unweighted mean of the timed holds made it about 19 s)
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t outer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t middle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t inner_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t swapped_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t other_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t early_lock = PTHREAD_MUTEX_INITIALIZER;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "early") == 0) {
		for (int i = 0; i < 8; i++) {
			pthread_mutex_lock(&early_lock);
			sleep_ms(10);
			pthread_mutex_unlock(&early_lock);
		}
		for (int i = 0; i < 20000; i++) {
			pthread_mutex_lock(&early_lock);
			pthread_mutex_unlock(&early_lock);
		}
		printf("profile_nested: early done\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "swapped") == 0) {
		for (int i = 0; i < 10; i++) {
			pthread_mutex_lock(&swapped_lock);
			pthread_mutex_lock(&other_lock);
			pthread_mutex_unlock(&swapped_lock);
			sleep_ms(10);
			pthread_mutex_unlock(&other_lock);
			pthread_mutex_lock(&swapped_lock);
			pthread_mutex_unlock(&swapped_lock);
		}
		printf("profile_nested: swapped done\n");
		return 0;
	}
	for (int i = 0; i < 10; i++) {
		pthread_mutex_lock(&outer_lock);
		sleep_ms(5);
		pthread_mutex_lock(&middle_lock);
		sleep_ms(5);
		pthread_mutex_lock(&inner_lock);
		pthread_mutex_unlock(&inner_lock);
		sleep_ms(5);
		pthread_mutex_unlock(&middle_lock);
		sleep_ms(5);
		pthread_mutex_unlock(&outer_lock);
	}
	printf("profile_nested: done\n");
	return 0;
}
