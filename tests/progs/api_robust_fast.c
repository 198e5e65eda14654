/* A robust mutex whose owner died, locked on coffman's fast path (the thread is past its warm-up):
 * the lock call must return EOWNERDEAD with the mutex held, as without the checker. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
static pthread_mutex_t m, warm;
static void *die_holding(void *p) { (void)p; pthread_mutex_lock(&m); return NULL; }
int main(void) {
	pthread_mutexattr_t a; pthread_mutexattr_init(&a); pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST); pthread_mutex_init(&m, &a); pthread_mutex_init(&warm, NULL);
	for (int i = 0; i < 1000; i++) { pthread_mutex_lock(&warm); pthread_mutex_unlock(&warm); }   /* past the warm-up: fast path */
	pthread_t t; pthread_create(&t, NULL, die_holding, NULL); pthread_join(t, NULL);
	int rc = pthread_mutex_lock(&m); /* relock after owner death */
	printf("rc=%s\n", rc == EOWNERDEAD ? "EOWNERDEAD" : rc == 0 ? "0" : "other");
	if (rc == EOWNERDEAD) pthread_mutex_consistent(&m);
	pthread_mutex_unlock(&m); pthread_mutex_lock(&m); pthread_mutex_unlock(&m); puts("done"); return 0; }
