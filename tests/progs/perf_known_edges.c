/* The process-wide set of known edges must forget an edge when its locks are destroyed.
 *
 *   1. T1 takes a then b: a new edge a -> b.
 *   2. T2 takes a then b: its own cache misses, the graph knows the edge: it enters the known-edge set.
 *   3. a and b are destroyed and initialised again in the same memory: new locks, no edge.
 *   4. T3 takes a then b: must reach the graph again (the set's entry is from before the destroy).
 *   5. T4 takes b then a: with step 4's edge, a potential deadlock (one report); had the stale entry
 *      answered step 4, there would be no edge a -> b and no report.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t *locks;

static void *a_then_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&locks[0]);
	pthread_mutex_lock(&locks[1]); /* known_edges: a then b */
	pthread_mutex_unlock(&locks[1]);
	pthread_mutex_unlock(&locks[0]);
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&locks[1]);
	pthread_mutex_lock(&locks[0]); /* known_edges: b then a */
	pthread_mutex_unlock(&locks[0]);
	pthread_mutex_unlock(&locks[1]);
	return NULL;
}

static void in_thread(void *(*fn)(void *))
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL) != 0 || pthread_join(t, NULL) != 0)
		exit(2);
}

int main(void)
{
	locks = malloc(2 * sizeof *locks);
	if (!locks)
		return 2;
	for (int i = 0; i < 2; i++)
		pthread_mutex_init(&locks[i], NULL);
	in_thread(a_then_b);
	in_thread(a_then_b);
	for (int i = 0; i < 2; i++) {
		pthread_mutex_destroy(&locks[i]);
		pthread_mutex_init(&locks[i], NULL);
	}
	in_thread(a_then_b);
	in_thread(b_then_a);
	printf("perf_known_edges: done\n");
	free(locks);
	return 0;
}
