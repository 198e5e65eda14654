/* contended: threads hammer one mutex.
 *
 *     lock m, counter++, unlock m        (iters times in each thread)
 *
 * Every acquisition competes with the other thread, so this measures the checker's cost on the path
 * that blocks (trylock fails, wait, wake) as well as the fast path, and any shared state the checker
 * itself touches per acquisition.
 *
 *   contended [threads=2] [iters=1000000]
 *   prints: threads= iters= pairs= seconds= ns_per_pair= (wall time / all lock-unlock pairs)
 */
#include "common.h"

static pthread_mutex_t the_lock;
static unsigned long counter;

struct worker {
	long iters;
	struct bench_start *start;
	uint64_t end_ns;
} __attribute__((aligned(128)));

static void *run(void *p)
{
	struct worker *w = p;
	bench_start_wait(w->start);
	for (long i = 0; i < w->iters; i++) {
		pthread_mutex_lock(&the_lock);
		counter++;
		pthread_mutex_unlock(&the_lock);
	}
	w->end_ns = bench_now_ns();
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "threads", "iters", NULL };
	bench_check_args(argc, argv, known);
	int nthreads = (int)bench_arg(argc, argv, "threads", 2);
	long iters = bench_arg(argc, argv, "iters", 1000000);
	if (nthreads < 1 || nthreads > 64 || iters < 1) {
		fprintf(stderr, "contended: threads must be 1..64 and iters >= 1\n");
		return 2;
	}
	BENCH_CHECK(pthread_mutex_init(&the_lock, NULL));
	struct bench_start start;
	bench_start_init(&start, nthreads);
	struct worker *w = aligned_alloc(128, (size_t)nthreads * sizeof *w);
	pthread_t *th = bench_xcalloc((size_t)nthreads, sizeof *th);
	if (!w)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		w[i].iters = iters;
		w[i].start = &start;
		BENCH_CHECK(pthread_create(&th[i], NULL, run, &w[i]));
	}
	uint64_t t0 = bench_start_go(&start), t1 = t0;
	for (int i = 0; i < nthreads; i++) {
		BENCH_CHECK(pthread_join(th[i], NULL));
		if (w[i].end_ns > t1)
			t1 = w[i].end_ns;
	}
	if (counter != (unsigned long)iters * (unsigned long)nthreads) {
		fprintf(stderr, "contended: counter %lu, expected %lu (lost updates)\n", counter,
			(unsigned long)iters * nthreads);
		return 1;
	}
	double pairs = (double)iters * nthreads;
	printf("threads=%d iters=%ld pairs=%.0f seconds=%.6f ns_per_pair=%.3f\n", nthreads, iters, pairs,
	       (double)(t1 - t0) / 1e9, (double)(t1 - t0) / pairs);
	pthread_mutex_destroy(&the_lock);
	bench_start_destroy(&start);
	free(th);
	free(w);
	return 0;
}
