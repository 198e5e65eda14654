/* Lock lifecycles.  Usage: api_lifecycle MODE
 *   destroy_locked   doomed_lock (mutex) and doomed_rwlock destroyed while locked
 *   reuse            x then y; destroy both, re-init, y then x: no inversion.  Then two heap mutexes:
 *                    a then b, destroy, free; malloc gives the same memory back for two new mutexes,
 *                    locked in the opposite order: no inversion
 *   reuse_nodestroy  the heap part without pthread_mutex_destroy: free, malloc, pthread_mutex_init
 *   exit_holding     a thread takes leaked_lock in leave_locked() and exits without unlocking
 *   fork             while 4 threads lock and unlock busy locks, fork 20 times; each child takes
 *                    several locks, nested, creates 2 threads that lock too, exits 0
 *   pshared          a PTHREAD_PROCESS_SHARED mutex in MAP_SHARED memory: the child holds it 0.5 s while
 *                    the parent waits for it, then both increment the shared counter 10000 times
 *   threads          5000 threads over the program's life (8 at a time), each takes two locks
 *   fork_after       an error-checking mutex locked twice (EDEADLK; a double-lock report), then a
 *                    fork: the child takes two locks cleanly and returns 0 from a function that calls
 *                    exit(0); the parent prints the child's status */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t doomed_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t doomed_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t lock_x, lock_y;
static pthread_mutex_t leaked_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t busy_locks[4] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
					 PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };
static pthread_mutex_t child_outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_middle = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_inner = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pair_first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pair_second = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop_busy;
static long pair_count;
static int child_work;

static void destroy_while_locked(void)
{
	pthread_mutex_lock(&doomed_lock); /* destroy: lock */
	int rc = pthread_mutex_destroy(&doomed_lock); /* destroy: mutex */
	printf("api_lifecycle: mutex destroy returned %d\n", rc);
	pthread_rwlock_wrlock(&doomed_rwlock); /* destroy: rwlock lock */
	rc = pthread_rwlock_destroy(&doomed_rwlock); /* destroy: rwlock */
	printf("api_lifecycle: rwlock destroy returned %d\n", rc);
}

static void lock_pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
	pthread_mutex_lock(first);
	pthread_mutex_lock(second);
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static void heap_reuse(int destroy)
{
	pthread_mutex_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	pthread_mutex_init(a, NULL);
	pthread_mutex_init(b, NULL);
	lock_pair(a, b);
	if (destroy) {
		pthread_mutex_destroy(a);
		pthread_mutex_destroy(b);
	}
	void *old_a = a, *old_b = b;
	free(a);
	free(b);
	pthread_mutex_t *p = malloc(sizeof *p), *q = malloc(sizeof *q);
	int reused = ((void *)p == old_a || (void *)p == old_b) && ((void *)q == old_a || (void *)q == old_b);
	printf("api_lifecycle: heap memory reused: %s\n", reused ? "yes" : "no");
	pthread_mutex_init(p, NULL);
	pthread_mutex_init(q, NULL);
	/* the new mutex at old b's address first, then the one at old a's: the opposite order */
	pthread_mutex_t *at_b = (void *)p == old_b ? p : q;
	pthread_mutex_t *at_a = at_b == p ? q : p;
	lock_pair(at_b, at_a);
	pthread_mutex_destroy(p);
	pthread_mutex_destroy(q);
	free(p);
	free(q);
}

static void run_reuse(void)
{
	pthread_mutex_init(&lock_x, NULL);
	pthread_mutex_init(&lock_y, NULL);
	lock_pair(&lock_x, &lock_y);
	pthread_mutex_destroy(&lock_x);
	pthread_mutex_destroy(&lock_y);
	pthread_mutex_init(&lock_x, NULL);
	pthread_mutex_init(&lock_y, NULL);
	lock_pair(&lock_y, &lock_x);
	heap_reuse(1);
	printf("api_lifecycle: reuse done\n");
}

static void leave_locked(void)
{
	pthread_mutex_lock(&leaked_lock); /* exit_holding: taken, never released */
}

static void *exit_holding(void *arg)
{
	(void)arg;
	leave_locked();
	return NULL;
}

static void *busy_worker(void *arg)
{
	pthread_mutex_t *m = &busy_locks[(long)arg];
	while (!atomic_load(&stop_busy)) {
		pthread_mutex_lock(m);
		for (volatile int i = 0; i < 100; i++)
			;
		pthread_mutex_unlock(m);
	}
	return NULL;
}

static void *child_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&child_outer);
	pthread_mutex_lock(&child_inner);
	child_work++;
	pthread_mutex_unlock(&child_inner);
	pthread_mutex_unlock(&child_outer);
	return NULL;
}

static int child_body(void)
{
	pthread_mutex_lock(&child_outer);
	pthread_mutex_lock(&child_middle);
	pthread_mutex_lock(&child_inner);
	child_work++;
	pthread_mutex_unlock(&child_inner);
	pthread_mutex_unlock(&child_middle);
	pthread_mutex_unlock(&child_outer);
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, child_thread, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	return child_work == 3 ? 0 : 1;
}

static int run_fork(void)
{
	pthread_t th[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, busy_worker, (void *)i);
	int ok = 0;
	for (int k = 0; k < 20; k++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0)
			_exit(child_body());
		int status;
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
		else
			printf("api_lifecycle: child %d status 0x%x\n", k, status);
	}
	atomic_store(&stop_busy, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("api_lifecycle: %d of 20 children exited 0\n", ok);
	return 0;
}

struct shared_area {
	pthread_mutex_t lock;
	long counter;
	atomic_int child_holds;
};

static void bump(struct shared_area *s, int n)
{
	for (int i = 0; i < n; i++) {
		pthread_mutex_lock(&s->lock);
		s->counter++;
		pthread_mutex_unlock(&s->lock);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static int run_pshared(void)
{
	struct shared_area *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return 1;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	s->counter = 0;
	atomic_store(&s->child_holds, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* hold the lock 0.5 s while the parent waits for it, then contend */
		pthread_mutex_lock(&s->lock);
		atomic_store(&s->child_holds, 1);
		sleep_ms(500);
		s->counter++;
		pthread_mutex_unlock(&s->lock);
		bump(s, 10000);
		_exit(0);
	}
	while (!atomic_load(&s->child_holds))
		sleep_ms(1);
	pthread_mutex_lock(&s->lock); /* waits for the child, another process */
	s->counter++;
	pthread_mutex_unlock(&s->lock);
	bump(s, 10000);
	int status;
	waitpid(pid, &status, 0);
	printf("api_lifecycle: child status %d, counter=%ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, s->counter);
	return 0;
}

static void *pair_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pair_first);
	pthread_mutex_lock(&pair_second);
	pair_count++;
	pthread_mutex_unlock(&pair_second);
	pthread_mutex_unlock(&pair_first);
	return NULL;
}

static int run_threads(void)
{
	for (int round = 0; round < 625; round++) {
		pthread_t th[8];
		for (int i = 0; i < 8; i++)
			if (pthread_create(&th[i], NULL, pair_worker, NULL) != 0) {
				printf("api_lifecycle: pthread_create failed\n");
				return 1;
			}
		for (int i = 0; i < 8; i++)
			pthread_join(th[i], NULL);
	}
	printf("api_lifecycle: threads done count=%ld\n", pair_count);
	return 0;
}

/* fork_after */
static int fork_after_report(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	pthread_mutex_lock(&m);
	int again = pthread_mutex_lock(&m); /* fork_after: locked twice */
	pthread_mutex_unlock(&m);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		static pthread_mutex_t x = PTHREAD_MUTEX_INITIALIZER, y = PTHREAD_MUTEX_INITIALIZER;
		pthread_mutex_lock(&x);
		pthread_mutex_lock(&y);
		pthread_mutex_unlock(&y);
		pthread_mutex_unlock(&x);
		exit(0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	printf("api_lifecycle: relock %s, child exit status %d\n", again ? "refused" : "allowed",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "destroy_locked") == 0) {
		destroy_while_locked();
		printf("api_lifecycle: destroy_locked done\n");
		return 0;
	}
	if (strcmp(mode, "reuse") == 0) {
		run_reuse();
		return 0;
	}
	if (strcmp(mode, "reuse_nodestroy") == 0) {
		heap_reuse(0);
		printf("api_lifecycle: reuse_nodestroy done\n");
		return 0;
	}
	if (strcmp(mode, "exit_holding") == 0) {
		pthread_t th;
		pthread_create(&th, NULL, exit_holding, NULL);
		pthread_join(th, NULL);
		printf("api_lifecycle: exit_holding done\n");
		return 0;
	}
	if (strcmp(mode, "fork_after") == 0)
		return fork_after_report();
	if (strcmp(mode, "fork") == 0)
		return run_fork();
	if (strcmp(mode, "pshared") == 0)
		return run_pshared();
	if (strcmp(mode, "threads") == 0)
		return run_threads();
	fprintf(stderr, "api_lifecycle: unknown mode '%s'\n", mode);
	return 2;
}
