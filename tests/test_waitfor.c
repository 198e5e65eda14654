/* graph/waitfor: a cycle is found exactly when following successors returns to the start. */
#include "waitfor.h"

#include <stdio.h>

static int failures;

#define CHECK(cond, what) do { if (!(cond)) { fprintf(stderr, "FAIL: %s\n", what); failures++; } } while (0)

static int next_from_table(void *ctx, int node)
{
	return ((const int *)ctx)[node];
}

int main(void)
{
	int cycle[128];

	/* T0 waits for T1, T1 waits for T0: the printSum deadlock. */
	int two[] = { 1, 0 };
	CHECK(waitfor_cycle_through(0, next_from_table, two, cycle, 128) == 2, "2-cycle found from T0");
	CHECK(cycle[0] == 0 && cycle[1] == 1, "2-cycle members in order");

	/* Five philosophers, each waiting for the next. */
	int five[] = { 1, 2, 3, 4, 0 };
	CHECK(waitfor_cycle_through(3, next_from_table, five, cycle, 128) == 5, "5-cycle found from T3");
	CHECK(cycle[0] == 3 && cycle[4] == 2, "5-cycle starts at the caller");

	/* A chain that ends at a running thread is no deadlock. */
	int chain[] = { 1, 2, -1 };
	CHECK(waitfor_cycle_through(0, next_from_table, chain, cycle, 128) == 0, "chain is not a cycle");

	/* T0 waits into a cycle T1<->T2 that does not include T0: T1 or T2 reports it, not T0. */
	int lasso[] = { 1, 2, 1 };
	CHECK(waitfor_cycle_through(0, next_from_table, lasso, cycle, 128) == 0, "lasso tail does not loop");

	/* 64 threads in one cycle, found within the bound. */
	int big[64];
	for (int i = 0; i < 64; i++)
		big[i] = (i + 1) % 64;
	CHECK(waitfor_cycle_through(10, next_from_table, big, cycle, 128) == 64, "64-cycle found");
	CHECK(waitfor_cycle_through(10, next_from_table, big, cycle, 32) == 0, "bound respected");

	/* A thread waiting on itself (lock held by itself, untracked). */
	int self[] = { 0 };
	CHECK(waitfor_cycle_through(0, next_from_table, self, cycle, 128) == 1, "self-wait is a 1-cycle");

	if (failures == 0)
		printf("test_waitfor: all checks passed\n");
	return failures ? 1 : 0;
}
