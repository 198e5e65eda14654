/* A real deadlock ring of N threads: thread i locks ring_lock[i], waits at a barrier until every thread
 * holds its own lock, then locks ring_lock[(i+1)%N], held by the next thread.  Natively it hangs forever.
 * Usage: api_ring N   (2 <= N <= 64) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define RING_MAX 64
static pthread_mutex_t ring_lock[RING_MAX];
static pthread_barrier_t ring_barrier;
static int ring_size;

static void *ring_worker(void *arg)
{
	int i = (int)(long)arg;
	pthread_mutex_lock(&ring_lock[i]); /* ring: own lock */
	pthread_barrier_wait(&ring_barrier);
	pthread_mutex_lock(&ring_lock[(i + 1) % ring_size]); /* ring: next lock */
	pthread_mutex_unlock(&ring_lock[(i + 1) % ring_size]);
	pthread_mutex_unlock(&ring_lock[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	ring_size = argc > 1 ? atoi(argv[1]) : 2;
	if (ring_size < 2 || ring_size > RING_MAX) {
		fprintf(stderr, "usage: api_ring N (2..%d)\n", RING_MAX);
		return 2;
	}
	pthread_t th[RING_MAX];
	for (int i = 0; i < ring_size; i++)
		pthread_mutex_init(&ring_lock[i], NULL);
	pthread_barrier_init(&ring_barrier, NULL, (unsigned)ring_size);
	printf("api_ring: %d threads\n", ring_size);
	fflush(stdout);
	for (int i = 0; i < ring_size; i++)
		pthread_create(&th[i], NULL, ring_worker, (void *)(long)i);
	for (int i = 0; i < ring_size; i++)
		pthread_join(th[i], NULL);
	printf("api_ring: not reached\n");
	return 0;
}
