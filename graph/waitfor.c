/* waitfor: following single successors from a start node until the chain returns to it (waitfor.h). */
#include "waitfor.h"

int waitfor_cycle_through(int start, waitfor_next_fn next, void *ctx, int *cycle, int max)
{
	int n = 0, node = start;
	while (n < max) {
		cycle[n++] = node;
		node = next(ctx, node);
		if (node < 0)
			return 0;
		if (node == start)
			return n;
		/* A cycle not through start: every step from here stays in it; stop when it repeats. */
		for (int i = 1; i < n; i++)
			if (cycle[i] == node)
				return 0;
	}
	return 0;
}
