/* livethreads: many threads alive at once, many locks each.  `threads` threads each take `locks`
 * shared mutexes in overlapping pairs (lock i, lock i+1), then wait at a barrier until all are done, so
 * every thread's record, edge cache and stacks are alive together.  What it measures: the checker's
 * memory and time per live thread (issue 9: was ~290 KB and 0.9 s for 1,000 x 1,000).
 *
 *   livethreads [threads=1000] [locks=1000]
 *   prints: threads= locks= seconds= hwm_kb=
 */
#include "common.h"

static long nlocks;
static pthread_mutex_t *locks;
static pthread_barrier_t all_done;

static void *run(void *arg)
{
	(void)arg;
	for (long i = 0; i + 1 < nlocks; i++) {
		pthread_mutex_lock(&locks[i]);
		pthread_mutex_lock(&locks[i + 1]);
		pthread_mutex_unlock(&locks[i + 1]);
		pthread_mutex_unlock(&locks[i]);
	}
	pthread_barrier_wait(&all_done);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "threads", "locks", NULL };
	bench_check_args(argc, argv, known);
	long n = bench_arg(argc, argv, "threads", 1000);
	nlocks = bench_arg(argc, argv, "locks", 1000);
	if (n < 1 || n > 10000 || nlocks < 2) {
		fprintf(stderr, "livethreads: threads 1..10000 and locks >= 2\n");
		return 2;
	}
	locks = calloc((size_t)nlocks, sizeof *locks);
	pthread_t *th = calloc((size_t)n, sizeof *th);
	if (!locks || !th)
		return 1;
	for (long i = 0; i < nlocks; i++)
		BENCH_CHECK(pthread_mutex_init(&locks[i], NULL));
	BENCH_CHECK(pthread_barrier_init(&all_done, NULL, (unsigned)n));
	pthread_attr_t attr;
	BENCH_CHECK(pthread_attr_init(&attr));
	BENCH_CHECK(pthread_attr_setstacksize(&attr, 64 * 1024));
	uint64_t t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		BENCH_CHECK(pthread_create(&th[i], &attr, run, NULL));
	for (long i = 0; i < n; i++)
		BENCH_CHECK(pthread_join(th[i], NULL));
	uint64_t t1 = bench_now_ns();
	printf("threads=%ld locks=%ld seconds=%.6f hwm_kb=%ld\n", n, nlocks, (double)(t1 - t0) / 1e9, bench_hwm_kb());
	return 0;
}
