/*
 * memo_cache: a concurrent, non-blocking memoising cache.  A hash map of
 * entries is guarded by one mutex.  The first thread to ask for a key creates
 * the entry (not yet ready), releases the map lock, computes the value with no
 * lock held, then publishes it and broadcasts the entry's "ready" condition.
 * Later requesters of the same key find the entry and wait on that condition
 * until the ready flag is set.  Requests for different keys are computed in
 * parallel; duplicate requests share one computation.  Six threads request
 * overlapping key lists; every key must be computed exactly once.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.7 (Example: Concurrent
 * Non-Blocking Cache, the entry with a ready channel closed by the first
 * requester).
 *
 * Expected verdict: clean.  memo_lock is never held while computing and never
 * nested with another lock; the waiters release it inside the condition wait.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 16
#define THREADS 6

struct entry {
	char key[32];
	bool ready;                     /* guarded by memo_lock */
	long value;                     /* valid once ready */
	pthread_cond_t ready_cond;      /* broadcast when ready becomes true */
	struct entry *next;
};

static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards memo_table, entries' ready */
static struct entry *memo_table[BUCKETS];

static atomic_int computations;

static unsigned hash_key(const char *key)
{
	unsigned h = 2166136261u;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % BUCKETS;
}

/* The slow function being memoised (think: fetching a web page). */
static long slow_fetch(const char *key)
{
	struct timespec ts = { 0, 20 * 1000000L };
	nanosleep(&ts, NULL);
	atomic_fetch_add(&computations, 1);
	unsigned long h = 0;
	for (const char *p = key; *p; p++)
		h = h * 131u + (unsigned char)*p;
	return (long)(h % 100000u);
}

/* Requires memo_lock. */
static struct entry *find_entry_locked(const char *key)
{
	for (struct entry *e = memo_table[hash_key(key)]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Requires memo_lock. */
static struct entry *add_entry_locked(const char *key)
{
	struct entry *e = calloc(1, sizeof *e);
	if (!e) {
		perror("calloc");
		exit(1);
	}
	snprintf(e->key, sizeof e->key, "%s", key);
	pthread_cond_init(&e->ready_cond, NULL);
	unsigned b = hash_key(key);
	e->next = memo_table[b];
	memo_table[b] = e;
	return e;
}

static long memo_get(const char *key)
{
	pthread_mutex_lock(&memo_lock);
	struct entry *e = find_entry_locked(key);
	if (!e) {
		/* First request for this key: this thread computes it. */
		e = add_entry_locked(key);
		pthread_mutex_unlock(&memo_lock);

		long v = slow_fetch(key);       /* no lock held */

		pthread_mutex_lock(&memo_lock);
		e->value = v;
		e->ready = true;
		pthread_cond_broadcast(&e->ready_cond);
		pthread_mutex_unlock(&memo_lock);
		return v;
	}
	/* Repeated request: wait until the first requester has published. */
	while (!e->ready)
		pthread_cond_wait(&e->ready_cond, &memo_lock);
	long v = e->value;
	pthread_mutex_unlock(&memo_lock);
	return v;
}

static const char *const requests[] = {
	"/weather/oslo", "/weather/lima", "/weather/perth", "/weather/quito",
	"/weather/oslo", "/weather/lima", "/weather/perth", "/weather/quito",
};
#define NREQ (sizeof requests / sizeof requests[0])

static void *client(void *arg)
{
	size_t start = (size_t)arg;
	long sum = 0;
	for (size_t i = 0; i < NREQ; i++)
		sum += memo_get(requests[(start + i) % NREQ]);
	return (void *)(size_t)sum;
}

int main(void)
{
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		char name[32];
		if (pthread_create(&th[i], NULL, client, (void *)(size_t)i) != 0) {
			perror("pthread_create");
			return 1;
		}
		snprintf(name, sizeof name, "client-%d", i);
		pthread_setname_np(th[i], name);
	}
	size_t first = 0;
	int status = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		if (i == 0)
			first = (size_t)r;
		else if ((size_t)r != first)
			status = 1;     /* every client saw the same values */
	}

	int distinct = 0;
	for (int b = 0; b < BUCKETS; b++) {
		struct entry *e = memo_table[b];
		while (e) {
			struct entry *next = e->next;
			distinct++;
			pthread_cond_destroy(&e->ready_cond);
			free(e);
			e = next;
		}
		memo_table[b] = NULL;
	}
	printf("%d requests, %d distinct keys, %d computations\n",
	       THREADS * (int)NREQ, distinct, atomic_load(&computations));
	if (atomic_load(&computations) != distinct)
		status = 1;
	if (status)
		fprintf(stderr, "memo_cache: duplicate computation or inconsistent values\n");
	return status;
}
