/* What the annotation macros cost a program that runs without coffman: the same lock/unlock loop with
 * and without them (annotate_cost.h), in alternating rounds; each side's best round, in ns per
 * lock/unlock pair.  Prints "annotated N.NN ns, plain N.NN ns, ratio R.RR".
 *
 *   annotate_cost [ITERATIONS [ROUNDS]]     (defaults: 5000000, 7)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define COST_LOOP cost_loop_annotated
#include "annotate_cost.h"

void cost_loop_plain(struct cost_ticket *l, unsigned long n);

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double time_loop(void (*loop)(struct cost_ticket *, unsigned long), struct cost_ticket *l, unsigned long n)
{
	double start = seconds();
	loop(l, n);
	return (seconds() - start) * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000000ul;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	static struct cost_ticket lock;
	double best_annotated = 1e9, best_plain = 1e9;
	cost_loop_annotated(&lock, n / 10);     /* warm up, and the one dlsym */
	cost_loop_plain(&lock, n / 10);
	for (int r = 0; r < rounds; r++) {
		double a = time_loop(cost_loop_annotated, &lock, n);
		double p = time_loop(cost_loop_plain, &lock, n);
		if (a < best_annotated)
			best_annotated = a;
		if (p < best_plain)
			best_plain = p;
	}
	printf("annotated %.2f ns, plain %.2f ns, ratio %.2f\n", best_annotated, best_plain, best_annotated / best_plain);
	return 0;
}
