/* 300 contended acquisitions, each made at a call site of its own (site_100 ... site_399), so that the
 * profile's table of code locations grows past its first 256 entries while the profile is encoded.
 * Each round: main takes a lock, the helper thread calls that lock's site and blocks in it, main lets
 * go 5 ms later.  Expected under --profile: exit status 0, "profile_sites: 300 sites", and each site's
 * function in the folded stacks (Chromium's browser process, whose profile has thousands of
 * locations, crashed writing it: each location pointed into the line table that had since moved).
 * Each site is a chain of 8 functions of its own: 2,400 code locations, so that the table of lines
 * (64 bytes a location) outgrows coffman's small blocks and becomes a mapping of its own, which moves
 * or is unmapped as it grows. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#define NSITES 300
static pthread_mutex_t locks[NSITES];
static sem_t held, done;
static volatile int sink;

#define LINK(n, f, g) \
	static __attribute__((noinline)) void f##_##n(pthread_mutex_t *m) { sink = n; g##_##n(m); sink = n + 1; }
#define SITE(n) \
	static __attribute__((noinline)) void lock_##n(pthread_mutex_t *m) \
	{ sink = n; pthread_mutex_lock(m); sink = n + 1; pthread_mutex_unlock(m); } \
	LINK(n, g, lock) LINK(n, f, g) LINK(n, e, f) LINK(n, d, e) LINK(n, c, d) LINK(n, b, c) LINK(n, site, b)
#define S10(n) SITE(n##0) SITE(n##1) SITE(n##2) SITE(n##3) SITE(n##4) \
	SITE(n##5) SITE(n##6) SITE(n##7) SITE(n##8) SITE(n##9)
#define S100(n) S10(n##0) S10(n##1) S10(n##2) S10(n##3) S10(n##4) \
	S10(n##5) S10(n##6) S10(n##7) S10(n##8) S10(n##9)
S100(1) S100(2) S100(3)

#define P(n) site_##n,
#define P10(n) P(n##0) P(n##1) P(n##2) P(n##3) P(n##4) P(n##5) P(n##6) P(n##7) P(n##8) P(n##9)
#define P100(n) P10(n##0) P10(n##1) P10(n##2) P10(n##3) P10(n##4) \
	P10(n##5) P10(n##6) P10(n##7) P10(n##8) P10(n##9)
static void (*const sites[NSITES])(pthread_mutex_t *) = { P100(1) P100(2) P100(3) };

static void *helper(void *arg)
{
	(void)arg;
	for (int i = 0; i < NSITES; i++) {
		sem_wait(&held);
		sites[i](&locks[i]);
		sem_post(&done);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	sem_init(&held, 0, 0);
	sem_init(&done, 0, 0);
	for (int i = 0; i < NSITES; i++)
		pthread_mutex_init(&locks[i], NULL);
	pthread_create(&t, NULL, helper, NULL);
	for (int i = 0; i < NSITES; i++) {
		pthread_mutex_lock(&locks[i]);
		sem_post(&held);
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
		pthread_mutex_unlock(&locks[i]);
		sem_wait(&done);
	}
	pthread_join(t, NULL);
	printf("profile_sites: %d sites\n", NSITES);
	return 0;
}
