/* Process-shared objects: a wait that another process ends.  A mutex and a condition variable, both
 * PTHREAD_PROCESS_SHARED, live in a MAP_SHARED mapping shared with a forked child; the parent's threads
 * all wait, and only the child (another process) can let them go, after about a second.  Natively every
 * mode completes and exits 0.
 *
 *   cond-join   the worker waits on the condition variable, main joins the worker
 *   cond-all    main and the worker both wait on the condition variable (nobody joins)
 *   mutex-join  the child holds the mutex; the worker waits for it, main joins the worker
 *   private-cond-stuck  no child; a condition variable *without* the process-shared attribute, in the
 *               MAP_SHARED mapping, that nobody signals; main joins the waiter.  It hangs natively, but
 *               only the watchdog may say so: another process could map the same memory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	pthread_mutex_t lock;
	pthread_cond_t go_cond;
	int go;
	int child_holds;
};

static struct shared *sh;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void wait_for_go(void)
{
	pthread_mutex_lock(&sh->lock);
	while (!sh->go)
		pthread_cond_wait(&sh->go_cond, &sh->lock); /* ended by the other process */
	pthread_mutex_unlock(&sh->lock);
}

static void *cond_waiter(void *arg)
{
	(void)arg;
	wait_for_go();
	return NULL;
}

static void *mutex_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sh->lock); /* held by the other process */
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

static void child_releases_after_a_second(void)
{
	sleep_ms(1200);
	pthread_mutex_lock(&sh->lock);
	sh->go = 1;
	pthread_cond_broadcast(&sh->go_cond);
	pthread_mutex_unlock(&sh->lock);
}

static void child_holds_for_a_second(void)
{
	pthread_mutex_lock(&sh->lock);
	__atomic_store_n(&sh->child_holds, 1, __ATOMIC_SEQ_CST);
	sleep_ms(1200);
	pthread_mutex_unlock(&sh->lock);
}

static void init_shared(void)
{
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		_exit(1);
	}
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&sh->go_cond, &ca);
	pthread_condattr_destroy(&ca);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "cond-join";
	int mutex_mode = strcmp(mode, "mutex-join") == 0;
	init_shared();
	if (strcmp(mode, "private-cond-stuck") == 0) {
		pthread_cond_destroy(&sh->go_cond);
		pthread_cond_init(&sh->go_cond, NULL);
		pthread_t th;
		pthread_create(&th, NULL, cond_waiter, NULL);
		pthread_join(th, NULL); /* stuck: nobody signals */
		printf("live_pshared: not reached\n");
		return 0;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (mutex_mode)
			child_holds_for_a_second();
		else
			child_releases_after_a_second();
		_exit(0);
	}
	if (mutex_mode)
		while (!__atomic_load_n(&sh->child_holds, __ATOMIC_SEQ_CST))
			sleep_ms(1);
	pthread_t th;
	pthread_create(&th, NULL, mutex_mode ? mutex_waiter : cond_waiter, NULL);
	if (strcmp(mode, "cond-all") == 0)
		wait_for_go();
	pthread_join(th, NULL);
	int status;
	waitpid(pid, &status, 0);
	printf("live_pshared: %s done, child status %d\n", mode, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
