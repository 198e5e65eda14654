/* threads: thread churn.  `threads` threads are created and joined over the run, at most `alive` at a
 * time.  Each one takes two shared mutexes nested (an edge the checker must learn in every new thread)
 * and, inside them, a mutex of its own that it creates and destroys (a node and an edge that die with
 * it).  The checker keeps a record per live thread; once a thread is joined, its record should go.
 *
 *   threads [threads=10000] [alive=2]
 *   prints: threads= seconds= first_kb= (VmRSS growth after the first tenth) end_kb= growth_kb= hwm_kb=
 */
#include "common.h"

#include <malloc.h>
#include <stdatomic.h>

#define SHARED 8

static pthread_mutex_t shared[SHARED];
static atomic_ulong counter;  /* threads hold different shared locks: atomic, not racy */

static void *run(void *p)
{
	unsigned long id = (unsigned long)(uintptr_t)p;
	unsigned a = (unsigned)(id % SHARED), b = (unsigned)((id / SHARED) % SHARED);
	if (a == b)
		b = (b + 1) % SHARED;
	if (a > b) {                    /* always lower index first: no cycle */
		unsigned t = a;
		a = b;
		b = t;
	}
	pthread_mutex_t own;
	BENCH_CHECK(pthread_mutex_init(&own, NULL));
	pthread_mutex_lock(&shared[a]);
	pthread_mutex_lock(&shared[b]);
	pthread_mutex_lock(&own);
	atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
	pthread_mutex_unlock(&own);
	pthread_mutex_unlock(&shared[b]);
	pthread_mutex_unlock(&shared[a]);
	BENCH_CHECK(pthread_mutex_destroy(&own));
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "threads", "alive", NULL };
	bench_check_args(argc, argv, known);
	long n = bench_arg(argc, argv, "threads", 10000);
	int alive = (int)bench_arg(argc, argv, "alive", 2);
	if (n < 10 || alive < 1 || alive > 256) {
		fprintf(stderr, "threads: threads >= 10 and alive 1..256\n");
		return 2;
	}
	for (int i = 0; i < SHARED; i++)
		BENCH_CHECK(pthread_mutex_init(&shared[i], NULL));
	pthread_t th[256];
	long rss0 = bench_rss_kb(), first_kb = 0;
	uint64_t t0 = bench_now_ns();
	long done = 0;
	while (done < n) {
		int k = 0;
		for (; k < alive && done + k < n; k++)
			BENCH_CHECK(pthread_create(&th[k], NULL, run, (void *)(uintptr_t)(done + k)));
		for (int j = 0; j < k; j++)
			BENCH_CHECK(pthread_join(th[j], NULL));
		long before = done;
		done += k;
		if (before < n / 10 && done >= n / 10) {
			malloc_trim(0);
			first_kb = bench_rss_kb() - rss0;
		}
	}
	uint64_t t1 = bench_now_ns();
	malloc_trim(0);
	long end_kb = bench_rss_kb() - rss0;
	unsigned long total = atomic_load(&counter);
	if (total != (unsigned long)n) {
		fprintf(stderr, "threads: counter %lu, expected %ld\n", total, n);
		return 1;
	}
	printf("threads=%ld seconds=%.6f first_kb=%ld end_kb=%ld growth_kb=%ld hwm_kb=%ld\n", n,
	       (double)(t1 - t0) / 1e9, first_kb, end_kb, end_kb - first_kb, bench_hwm_kb());
	for (int i = 0; i < SHARED; i++)
		pthread_mutex_destroy(&shared[i]);
	return 0;
}
