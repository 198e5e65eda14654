/* Mutex types.  Usage: api_mtxtypes MODE
 *   recursive   rec_lock locked 3x by main, unlocked 2x: another thread's trylock gets EBUSY; one more
 *               unlock, then the other thread locks and unlocks it.  No report.
 *   errorcheck  ec_lock: a second lock returns EDEADLK; an unlock by a thread that does not own it and
 *               an unlock of the unlocked mutex return EPERM; the program prints each result
 *   robust      robust_lock's owner thread exits holding it: main's lock returns EOWNERDEAD, main calls
 *               pthread_mutex_consistent and unlocks; a second lock returns 0 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t rec_lock;
static pthread_mutex_t ec_lock;
static pthread_mutex_t robust_lock;

static const char *errname(int rc)
{
	switch (rc) {
	case 0: return "0";
	case EDEADLK: return "EDEADLK";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case EOWNERDEAD: return "EOWNERDEAD";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	default: return strerror(rc);
	}
}

static void init_kind(pthread_mutex_t *m, int kind, int robust)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, kind);
	if (robust)
		pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
}

static void *rec_trylock(void *arg)
{
	(void)arg;
	printf("api_mtxtypes: other thread trylock returned %s\n", errname(pthread_mutex_trylock(&rec_lock)));
	return NULL;
}

static void *rec_lock_unlock(void *arg)
{
	(void)arg;
	int rc = pthread_mutex_lock(&rec_lock);
	printf("api_mtxtypes: other thread lock returned %s\n", errname(rc));
	pthread_mutex_unlock(&rec_lock);
	return NULL;
}

static int run_recursive(void)
{
	init_kind(&rec_lock, PTHREAD_MUTEX_RECURSIVE, 0);
	pthread_mutex_lock(&rec_lock);
	pthread_mutex_lock(&rec_lock);
	pthread_mutex_lock(&rec_lock);
	pthread_mutex_unlock(&rec_lock);
	pthread_mutex_unlock(&rec_lock);
	pthread_t th;
	pthread_create(&th, NULL, rec_trylock, NULL);
	pthread_join(th, NULL);
	pthread_mutex_unlock(&rec_lock);
	pthread_create(&th, NULL, rec_lock_unlock, NULL);
	pthread_join(th, NULL);
	/* and main again, nested */
	pthread_mutex_lock(&rec_lock);
	pthread_mutex_lock(&rec_lock);
	pthread_mutex_unlock(&rec_lock);
	pthread_mutex_unlock(&rec_lock);
	printf("api_mtxtypes: recursive done\n");
	return 0;
}

static void *ec_unlock_not_owner(void *arg)
{
	(void)arg;
	int rc = pthread_mutex_unlock(&ec_lock); /* errorcheck: unlock by non-owner */
	printf("api_mtxtypes: unlock by a non-owner returned %s\n", errname(rc));
	return NULL;
}

static int run_errorcheck(void)
{
	init_kind(&ec_lock, PTHREAD_MUTEX_ERRORCHECK, 0);
	pthread_mutex_lock(&ec_lock); /* errorcheck: first lock */
	int rc = pthread_mutex_lock(&ec_lock); /* errorcheck: second lock */
	printf("api_mtxtypes: second lock returned %s\n", errname(rc));
	pthread_t th;
	pthread_create(&th, NULL, ec_unlock_not_owner, NULL);
	pthread_join(th, NULL);
	rc = pthread_mutex_unlock(&ec_lock);
	printf("api_mtxtypes: owner's unlock returned %s\n", errname(rc));
	rc = pthread_mutex_unlock(&ec_lock); /* errorcheck: unlock when unlocked */
	printf("api_mtxtypes: unlock of the unlocked mutex returned %s\n", errname(rc));
	printf("api_mtxtypes: errorcheck done\n");
	return 0;
}

static void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust_lock); /* robust: taken by a thread that dies */
	return NULL;
}

static int run_robust(void)
{
	init_kind(&robust_lock, PTHREAD_MUTEX_NORMAL, 1);
	pthread_t th;
	pthread_create(&th, NULL, die_holding, NULL);
	pthread_join(th, NULL);
	int rc = pthread_mutex_lock(&robust_lock);
	printf("api_mtxtypes: lock after the owner died returned %s\n", errname(rc));
	if (rc == EOWNERDEAD)
		printf("api_mtxtypes: consistent returned %s\n", errname(pthread_mutex_consistent(&robust_lock)));
	printf("api_mtxtypes: unlock returned %s\n", errname(pthread_mutex_unlock(&robust_lock)));
	rc = pthread_mutex_lock(&robust_lock);
	printf("api_mtxtypes: lock again returned %s\n", errname(rc));
	pthread_mutex_unlock(&robust_lock);
	printf("api_mtxtypes: robust done\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "recursive") == 0)
		return run_recursive();
	if (strcmp(mode, "errorcheck") == 0)
		return run_errorcheck();
	if (strcmp(mode, "robust") == 0)
		return run_robust();
	fprintf(stderr, "api_mtxtypes: unknown mode '%s'\n", mode);
	return 2;
}
