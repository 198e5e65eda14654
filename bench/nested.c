/* nested: the uncontended fast path.  Each thread nests four mutexes of its own,
 *
 *     lock a, lock b, lock c, lock d, (touch), unlock d, unlock c, unlock b, unlock a
 *
 * `iters` times.  With threads=2 the threads share no lock and no data, so any write the checker makes
 * to shared memory on the fast path shows up as lost scaling: ns_per_pair of the 2-thread run rises
 * above the 1-thread run.
 *
 *   nested [threads=1] [iters=2000000]
 *   prints: threads= iters= pairs= seconds= ns_per_pair= (wall time / lock-unlock pairs of one thread)
 */
#include "common.h"

struct worker {
	pthread_mutex_t m[4];
	unsigned long counter;
	uint64_t end_ns;
	long iters;
	struct bench_start *start;
} __attribute__((aligned(128)));

static void *run(void *p)
{
	struct worker *w = p;
	pthread_mutex_t *a = &w->m[0], *b = &w->m[1], *c = &w->m[2], *d = &w->m[3];
	volatile unsigned long *counter = &w->counter;
	bench_start_wait(w->start);
	for (long i = 0; i < w->iters; i++) {
		pthread_mutex_lock(a);
		pthread_mutex_lock(b);
		pthread_mutex_lock(c);
		pthread_mutex_lock(d);
		(*counter)++;
		pthread_mutex_unlock(d);
		pthread_mutex_unlock(c);
		pthread_mutex_unlock(b);
		pthread_mutex_unlock(a);
	}
	w->end_ns = bench_now_ns();
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "threads", "iters", NULL };
	bench_check_args(argc, argv, known);
	int nthreads = (int)bench_arg(argc, argv, "threads", 1);
	long iters = bench_arg(argc, argv, "iters", 2000000);
	if (nthreads < 1 || nthreads > 64 || iters < 1) {
		fprintf(stderr, "nested: threads must be 1..64 and iters >= 1\n");
		return 2;
	}

	struct bench_start start;
	bench_start_init(&start, nthreads);
	struct worker *w = aligned_alloc(128, (size_t)nthreads * sizeof *w);
	pthread_t *th = bench_xcalloc((size_t)nthreads, sizeof *th);
	if (!w)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		for (int k = 0; k < 4; k++)
			BENCH_CHECK(pthread_mutex_init(&w[i].m[k], NULL));
		w[i].counter = 0;
		w[i].iters = iters;
		w[i].start = &start;
		BENCH_CHECK(pthread_create(&th[i], NULL, run, &w[i]));
	}
	uint64_t t0 = bench_start_go(&start);
	uint64_t t1 = t0;
	unsigned long total = 0;
	for (int i = 0; i < nthreads; i++) {
		BENCH_CHECK(pthread_join(th[i], NULL));
		if (w[i].end_ns > t1)
			t1 = w[i].end_ns;
		total += w[i].counter;
	}
	if (total != (unsigned long)iters * (unsigned long)nthreads) {
		fprintf(stderr, "nested: counter %lu, expected %lu\n", total, (unsigned long)iters * nthreads);
		return 1;
	}
	double secs = (double)(t1 - t0) / 1e9;
	double pairs = 4.0 * (double)iters;     /* per thread: the threads run side by side */
	printf("threads=%d iters=%ld pairs=%.0f seconds=%.6f ns_per_pair=%.3f\n", nthreads, iters, pairs, secs,
	       (double)(t1 - t0) / pairs);
	for (int i = 0; i < nthreads; i++)
		for (int k = 0; k < 4; k++)
			pthread_mutex_destroy(&w[i].m[k]);
	bench_start_destroy(&start);
	free(th);
	free(w);
	return 0;
}
