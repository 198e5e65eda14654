/* rwlock: a read-mostly table behind one rwlock.
 *
 * Each thread, iters times, draws from its own fixed-seed generator: with probability
 * write_pct/100 it takes the write lock and updates one slot, otherwise it takes the read lock and sums
 * the table.  Readers overlap each other; a writer excludes everyone.
 *
 *   rwlock [threads=2] [iters=1000000] [write_pct=10]
 *   prints: threads= iters= ops= reads= writes= seconds= ns_per_op= (wall time / all lock-unlock pairs)
 */
#include "common.h"

#define SLOTS 16

static pthread_rwlock_t the_lock;
static unsigned long table[SLOTS];

struct worker {
	int id;
	int write_pct;
	long iters;
	long reads, writes;
	unsigned long sink;
	struct bench_start *start;
	uint64_t end_ns;
} __attribute__((aligned(128)));

static void *run(void *p)
{
	struct worker *w = p;
	struct bench_rng rng;
	bench_rng_seed(&rng, 0x5eed0000u + (uint64_t)w->id);
	unsigned long sink = 0;
	long reads = 0, writes = 0;
	bench_start_wait(w->start);
	for (long i = 0; i < w->iters; i++) {
		uint64_t r = bench_rng_next(&rng);
		if ((int)(r % 100) < w->write_pct) {
			pthread_rwlock_wrlock(&the_lock);
			table[(r >> 8) % SLOTS]++;
			pthread_rwlock_unlock(&the_lock);
			writes++;
		} else {
			pthread_rwlock_rdlock(&the_lock);
			for (int k = 0; k < SLOTS; k++)
				sink += table[k];
			pthread_rwlock_unlock(&the_lock);
			reads++;
		}
	}
	w->end_ns = bench_now_ns();
	w->reads = reads;
	w->writes = writes;
	w->sink = sink;
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "threads", "iters", "write_pct", NULL };
	bench_check_args(argc, argv, known);
	int nthreads = (int)bench_arg(argc, argv, "threads", 2);
	long iters = bench_arg(argc, argv, "iters", 1000000);
	int write_pct = (int)bench_arg(argc, argv, "write_pct", 10);
	if (nthreads < 1 || nthreads > 64 || iters < 1 || write_pct > 100) {
		fprintf(stderr, "rwlock: threads must be 1..64, iters >= 1, write_pct 0..100\n");
		return 2;
	}
	BENCH_CHECK(pthread_rwlock_init(&the_lock, NULL));
	struct bench_start start;
	bench_start_init(&start, nthreads);
	struct worker *w = aligned_alloc(128, (size_t)nthreads * sizeof *w);
	pthread_t *th = bench_xcalloc((size_t)nthreads, sizeof *th);
	if (!w)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].id = i;
		w[i].write_pct = write_pct;
		w[i].iters = iters;
		w[i].start = &start;
		BENCH_CHECK(pthread_create(&th[i], NULL, run, &w[i]));
	}
	uint64_t t0 = bench_start_go(&start), t1 = t0;
	long reads = 0, writes = 0;
	for (int i = 0; i < nthreads; i++) {
		BENCH_CHECK(pthread_join(th[i], NULL));
		if (w[i].end_ns > t1)
			t1 = w[i].end_ns;
		reads += w[i].reads;
		writes += w[i].writes;
	}
	unsigned long sum = 0;
	for (int k = 0; k < SLOTS; k++)
		sum += table[k];
	if (sum != (unsigned long)writes) {
		fprintf(stderr, "rwlock: table sums to %lu, expected %ld (lost updates)\n", sum, writes);
		return 1;
	}
	double ops = (double)iters * nthreads;
	printf("threads=%d iters=%ld ops=%.0f reads=%ld writes=%ld seconds=%.6f ns_per_op=%.3f\n", nthreads, iters,
	       ops, reads, writes, (double)(t1 - t0) / 1e9, (double)(t1 - t0) / ops);
	pthread_rwlock_destroy(&the_lock);
	bench_start_destroy(&start);
	free(th);
	free(w);
	return 0;
}
