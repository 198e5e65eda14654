/* Spinlocks.  Usage: api_spin MODE
 *   inversion        spin_a then spin_b in one thread, spin_b then spin_a in a later one
 *   double           spin_a locked twice by the same thread (spins forever natively)
 *   unlock_unlocked  spin_a unlocked while nobody holds it */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_spinlock_t spin_a;
static pthread_spinlock_t spin_b;
static int spun;

static void *spin_a_then_b(void *arg)
{
	(void)arg;
	pthread_spin_lock(&spin_a); /* hold spin_a */
	pthread_spin_lock(&spin_b); /* edge a->b */
	spun++;
	pthread_spin_unlock(&spin_b);
	pthread_spin_unlock(&spin_a);
	return NULL;
}

static void *spin_b_then_a(void *arg)
{
	(void)arg;
	pthread_spin_lock(&spin_b); /* hold spin_b */
	pthread_spin_lock(&spin_a); /* edge b->a */
	spun++;
	pthread_spin_unlock(&spin_a);
	pthread_spin_unlock(&spin_b);
	return NULL;
}

static void spin_twice(void)
{
	pthread_spin_lock(&spin_a); /* double: first */
	printf("api_spin: locking again\n");
	fflush(stdout);
	pthread_spin_lock(&spin_a); /* double: second */
	printf("api_spin: not reached\n");
}

static void unlock_unlocked(void)
{
	int rc = pthread_spin_unlock(&spin_a); /* unlock: not locked */
	printf("api_spin: unlock returned %d\n", rc);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pthread_spin_init(&spin_a, PTHREAD_PROCESS_PRIVATE); /* init spin_a */
	pthread_spin_init(&spin_b, PTHREAD_PROCESS_PRIVATE);
	if (strcmp(mode, "inversion") == 0) {
		pthread_t th;
		pthread_create(&th, NULL, spin_a_then_b, NULL);
		pthread_join(th, NULL);
		pthread_create(&th, NULL, spin_b_then_a, NULL);
		pthread_join(th, NULL);
		printf("api_spin: inversion done spun=%d\n", spun);
		return 0;
	}
	if (strcmp(mode, "double") == 0) {
		spin_twice();
		return 0;
	}
	if (strcmp(mode, "unlock_unlocked") == 0) {
		unlock_unlocked();
		pthread_spin_lock(&spin_a);
		pthread_spin_unlock(&spin_a);
		printf("api_spin: unlock_unlocked done\n");
		return 0;
	}
	fprintf(stderr, "api_spin: unknown mode '%s'\n", mode);
	return 2;
}
