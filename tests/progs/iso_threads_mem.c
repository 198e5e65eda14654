/* Many live threads, many locks: THREADS threads each take LOCKS mutexes in overlapping pairs and
 * wait until all have finished before any exits.  Prints the peak resident size and the wall time, so
 * a script can compare coffman with a native run (issue: ~270 KB per thread, 0.9 s). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int nthreads = 1000, nlocks = 1000;
static pthread_mutex_t *locks;
static pthread_barrier_t all_done;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i + 1 < nlocks; i++) {
		pthread_mutex_lock(&locks[i]);
		pthread_mutex_lock(&locks[i + 1]);
		pthread_mutex_unlock(&locks[i + 1]);
		pthread_mutex_unlock(&locks[i]);
	}
	pthread_barrier_wait(&all_done);
	return NULL;
}

static long peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (argc > 2)
		nlocks = atoi(argv[2]);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	locks = calloc((size_t)nlocks, sizeof *locks);
	for (int i = 0; i < nlocks; i++)
		pthread_mutex_init(&locks[i], NULL);
	pthread_barrier_init(&all_done, NULL, (unsigned)nthreads);
	pthread_t *th = calloc((size_t)nthreads, sizeof *th);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	int started = 0;
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], &attr, worker, NULL) == 0)
			started++;
	if (started != nthreads) {
		fprintf(stderr, "iso_threads_mem: only %d threads\n", started);
		return 2;
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("threads %d locks %d peak_rss_kb %ld seconds %.3f\n", nthreads, nlocks, peak_rss_kb(), secs);
	return 0;
}
