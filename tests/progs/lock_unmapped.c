/* lock_unmapped: a lock whose memory goes away while it is locked.  Natively each mode prints its
 * line and exits 0: nobody touches the lock again.  coffman reads the remaining holds when a thread
 * ends and when the process exits, and must neither fault on memory that is gone (SIGSEGV in the
 * program) nor stay silent about the bug.
 *
 *   exit      main locks a mutex in a mapping of its own, unmaps it and exits.
 *   thread    a worker locks a mutex in such a mapping; main unmaps it while the worker still holds it;
 *             the worker then returns.
 *   rwlock    the same with a write-locked rwlock.
 *   bigfree   main locks a mutex inside a 1 MB calloc block and frees the block (glibc gives blocks
 *             that large back to the kernel at once), then exits.
 *   overwrite main locks a mutex inside a buffer and fills the buffer with other data: the memory
 *             stays mapped, but no longer holds a locked mutex.
 *   condwait  a worker waits on a condition variable in such a mapping; main unmaps it and joins the
 *             worker: natively both sleep for ever (run it under the watchdog), and the deadlock
 *             search, reading the worker's condition variable, must not fault.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define REGION (1 << 20)

struct shared {
	pthread_mutex_t m;
	pthread_rwlock_t rw;
	pthread_cond_t c;
};

static pthread_mutex_t step_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t step_cond = PTHREAD_COND_INITIALIZER;
static int step;

static void wait_step(int n)
{
	pthread_mutex_lock(&step_lock);
	while (step < n)
		pthread_cond_wait(&step_cond, &step_lock);
	pthread_mutex_unlock(&step_lock);
}

static void set_step(int n)
{
	pthread_mutex_lock(&step_lock);
	step = n;
	pthread_cond_broadcast(&step_cond);
	pthread_mutex_unlock(&step_lock);
}

static void *holder(void *arg)
{
	struct shared *s = arg;
	if (getenv("UNMAPPED_RW"))
		pthread_rwlock_wrlock(&s->rw); /* unmapped: rwlock held */
	else
		pthread_mutex_lock(&s->m); /* unmapped: mutex held by the worker */
	set_step(1);
	wait_step(2);                   /* main unmaps the memory meanwhile */
	return NULL;
}

static void *cond_waiter(void *arg)
{
	struct shared *s = arg;
	pthread_mutex_lock(&s->m);
	set_step(1);
	pthread_cond_wait(&s->c, &s->m); /* unmapped: waits on a condition variable */
	return NULL;
}

static struct shared *new_region(void)
{
	struct shared *s = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	pthread_mutex_init(&s->m, NULL);
	pthread_rwlock_init(&s->rw, NULL);
	pthread_cond_init(&s->c, NULL);
	return s;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exit";
	if (strcmp(mode, "exit") == 0) {
		struct shared *s = new_region();
		pthread_mutex_lock(&s->m); /* unmapped: mutex held by main */
		munmap(s, REGION);
	} else if (strcmp(mode, "thread") == 0 || strcmp(mode, "rwlock") == 0) {
		struct shared *s = new_region();
		if (strcmp(mode, "rwlock") == 0)
			setenv("UNMAPPED_RW", "1", 1);
		pthread_t t;
		pthread_create(&t, NULL, holder, s);
		wait_step(1);
		munmap(s, REGION);
		set_step(2);
		pthread_join(t, NULL);
	} else if (strcmp(mode, "bigfree") == 0) {
		struct shared *s = calloc(1, REGION);
		pthread_mutex_init(&s->m, NULL);
		pthread_mutex_lock(&s->m); /* unmapped: mutex in a big block */
		free(s);
	} else if (strcmp(mode, "overwrite") == 0) {
		static union { pthread_mutex_t m; char bytes[64]; } buffer;
		pthread_mutex_init(&buffer.m, NULL);
		pthread_mutex_lock(&buffer.m); /* unmapped: mutex overwritten */
		memset(buffer.bytes, 0xa5, sizeof buffer.bytes); /* no robust bit in the kind */
	} else if (strcmp(mode, "condwait") == 0) {
		struct shared *s = new_region();
		pthread_t t;
		pthread_create(&t, NULL, cond_waiter, s);
		wait_step(1);
		struct timespec settle = { 0, 100000000 };      /* into its wait */
		nanosleep(&settle, NULL);
		munmap(s, REGION);
		printf("lock_unmapped condwait: unmapped\n");
		fflush(stdout);
		pthread_join(t, NULL); /* unmapped: joins the sleeper */
	} else {
		fprintf(stderr, "lock_unmapped: unknown mode %s\n", mode);
		return 2;
	}
	printf("lock_unmapped %s: done\n", mode);
	return 0;
}
