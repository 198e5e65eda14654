/* pairs: first-seen locks, each making one new lock-order edge (issue 13).  `locks` heap mutexes are
 * initialised, taken in overlapping pairs (i, i+1: every acquisition of i+1 while holding i is an edge
 * nobody has seen), and destroyed; `rounds` times.  What a program with per-object or per-connection
 * locks pays the first time it sees each object.
 *
 *   pairs [locks=200000] [rounds=1]
 *   prints: locks= rounds= seconds= (per round) ns_per_lock=
 */
#include "common.h"

int main(int argc, char **argv)
{
	static const char *const known[] = { "locks", "rounds", NULL };
	bench_check_args(argc, argv, known);
	long n = bench_arg(argc, argv, "locks", 200000);
	long rounds = bench_arg(argc, argv, "rounds", 1);
	if (n < 2 || rounds < 1) {
		fprintf(stderr, "pairs: locks >= 2 and rounds >= 1\n");
		return 2;
	}
	uint64_t t0 = bench_now_ns();
	for (long r = 0; r < rounds; r++) {
		pthread_mutex_t *m = malloc((size_t)n * sizeof *m);
		if (!m) {
			perror("malloc");
			return 1;
		}
		for (long i = 0; i < n; i++)
			BENCH_CHECK(pthread_mutex_init(&m[i], NULL));
		for (long i = 0; i + 1 < n; i++) {
			pthread_mutex_lock(&m[i]);
			pthread_mutex_lock(&m[i + 1]);
			pthread_mutex_unlock(&m[i + 1]);
			pthread_mutex_unlock(&m[i]);
		}
		for (long i = 0; i < n; i++)
			BENCH_CHECK(pthread_mutex_destroy(&m[i]));
		free(m);
	}
	uint64_t t1 = bench_now_ns();
	double per_round = (double)(t1 - t0) / 1e9 / (double)rounds;
	printf("locks=%ld rounds=%ld seconds=%.6f ns_per_lock=%.1f\n", n, rounds, per_round, per_round * 1e9 / (double)n);
	return 0;
}
