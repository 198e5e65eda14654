/* Per-thread records and the registry of live threads (threads.h): creating a record on a thread's
 * first lock, the lookups the slow paths make under the registry lock (by tid, number, pthread_t, or
 * the holder of a lock), the notes another thread leaves when it releases a hold, thread names, and
 * the exit and fork hooks. */
#include "threads.h"
#include "deps.h"
#include "config.h"
#include "ilock.h"
#include "mem.h"
#include "profile.h"
#include "real.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__thread struct shim_tls shim_tls __attribute__((tls_model("initial-exec")));
/* Set once this thread's record is gone: later lock calls during thread teardown pass straight through
 * instead of registering a record nobody would free. */
static __thread int tls_exited __attribute__((tls_model("initial-exec")));

static struct ilock reg_lock = ILOCK_INIT;
static struct thread_rec *reg_head;
static int reg_count;
static atomic_int next_num = 1;
static atomic_int ready;                /* constructor finished: safe to register threads */
static pthread_key_t exit_key;

void thread_exit_hook(struct thread_rec *t);   /* events.c: report locks still held */
void edge_cache_free(struct thread_rec *t);    /* events.c */

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void registry_lock(void) { ilock_acquire(&reg_lock); }
void registry_unlock(void) { ilock_release(&reg_lock); }
struct thread_rec *registry_first(void) { return reg_head; }

struct thread_rec *registry_find_tid(pid_t tid)
{
	for (struct thread_rec *t = reg_head; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct thread_rec *registry_find_num(int num)
{
	for (struct thread_rec *t = reg_head; t; t = t->next)
		if (t->num == num)
			return t;
	return NULL;
}

static int released_index(const struct thread_rec *t, const void *lock)
{
	int n = atomic_load_explicit(&t->nreleased, memory_order_relaxed);
	for (int i = 0; i < n; i++)
		if (t->released[i] == lock)
			return i;
	return -1;
}

/* The entry of t's held stack for lock, unless another thread already released it for t. */
static const struct held_lock *live_hold(const struct thread_rec *t, const void *lock)
{
	int n = t->nheld < HELD_MAX ? t->nheld : HELD_MAX;
	for (int i = 0; i < n; i++)
		if (t->held[i].lock == lock)
			return released_index(t, lock) < 0 ? &t->held[i] : NULL;
	return NULL;
}

struct thread_rec *registry_holder_of(const void *lock, const struct held_lock **held)
{
	for (struct thread_rec *t = reg_head; t; t = t->next) {
		const struct held_lock *h = live_hold(t, lock);
		if (h) {
			if (held)
				*held = h;
			return t;
		}
	}
	return NULL;
}

void registry_each_live_hold(void (*fn)(void *arg, struct thread_rec *t, const void *lock), void *arg)
{
	for (struct thread_rec *t = reg_head; t; t = t->next) {
		int n = t->nheld < HELD_MAX ? t->nheld : HELD_MAX;
		for (int i = 0; i < n; i++) {
			const void *lock = t->held[i].lock;
			int seen = 0;
			for (int j = 0; j < i && !seen; j++)
				seen = t->held[j].lock == lock;         /* live_hold decides by the first entry */
			if (!seen && released_index(t, lock) < 0)
				fn(arg, t, lock);
		}
	}
}

int registry_holds(const struct thread_rec *t, const void *lock)
{
	return live_hold(t, lock) != NULL;
}

void registry_post_release(struct thread_rec *owner, const void *lock)
{
	int n = atomic_load_explicit(&owner->nreleased, memory_order_relaxed);
	if (released_index(owner, lock) >= 0 || n == RELEASED_MAX)
		return;         /* full: the owner's relock still checks the lock's real state */
	owner->released[n] = lock;
	atomic_store_explicit(&owner->nreleased, n + 1, memory_order_release);
}

struct thread_rec *registry_find_pthread(pthread_t th)
{
	for (struct thread_rec *t = reg_head; t; t = t->next)
		if (pthread_equal(t->self, th))
			return t;
	return NULL;
}

static void registry_insert(struct thread_rec *t)
{
	registry_lock();
	t->prev = NULL;
	t->next = reg_head;
	if (reg_head)
		reg_head->prev = t;
	reg_head = t;
	reg_count++;
	registry_unlock();
}

int registry_count(void)
{
	registry_lock();
	int n = reg_count;
	registry_unlock();
	return n;
}

static void registry_remove(struct thread_rec *t)
{
	registry_lock();
	if (t->prev)
		t->prev->next = t->next;
	else
		reg_head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	reg_count--;
	registry_unlock();
}

/* pthread key destructor: runs at thread exit, also for threads ending in pthread_exit. */
static void on_thread_exit(void *arg)
{
	struct thread_rec *t = arg;
	tls_guard++;
	thread_exit_hook(t);
	profile_thread_exit(t);
	registry_remove(t);
	deps_thread_memo(NULL);
	tls_self = NULL;
	tls_exited = 1;
	edge_cache_free(t);
	free(t);
	tls_guard--;
}

/* What glibc writes as __owner when this thread takes a mutex, asked of glibc itself: a private mutex
 * taken and released with the real calls (the program's mutexes are not involved).  The same probe
 * tells whether glibc forces lock elision (the glibc.elision.enable tunable): then its trylock turns a
 * plain mutex into an elided one, which the fast path's own trylock (glibc_mutex_trylock_plain) must not
 * imitate, and the answer is 0: glibc keeps every trylock. */
static pid_t glibc_self_id(void)
{
	if (!real.mutex_trylock || !real.mutex_unlock)
		return 0;
	pthread_mutex_t probe = PTHREAD_MUTEX_INITIALIZER;
	if (real.mutex_trylock(&probe) != 0)
		return 0;
	pid_t id = probe.__data.__owner;
	int kind = probe.__data.__kind;
	unsigned nusers = probe.__data.__nusers;
	real.mutex_unlock(&probe);
	/* The fast path copies glibc's trylock and unlock (glibc_mutex.h): this glibc must leave the
	 * fields as they do — owner and one user while held, all clear after the unlock. */
	int as_expected = kind == PTHREAD_MUTEX_TIMED_NP && id > 0 && nusers == 1 && probe.__data.__lock == 0 &&
			  probe.__data.__owner == 0 && probe.__data.__nusers == 0;
	return as_expected ? id : 0;
}

static struct thread_rec *thread_new(int parent_num, uint32_t create_stack)
{
	/* With the profile on, the thread's profile table follows the record (profile.h); zeroed pages
	 * from the kernel, resident only where the thread writes. */
	size_t size = profile_on ? PROFILE_TABLE_OFFSET + sizeof(struct prof_thread) : sizeof(struct thread_rec);
	struct thread_rec *t = mem_zalloc_aligned(size, 64);
	if (!t)
		return NULL;
	if (profile_on)
		t->prof = profile_table_at(t);
	t->num = atomic_fetch_add(&next_num, 1);
	t->tid = (pid_t)syscall(SYS_gettid);
	t->glibc_id = glibc_self_id();
	t->self = pthread_self();
	t->parent_num = parent_num;
	t->create_stack = create_stack;
	t->start_ns = now_ns();
	t->capture_budget = cfg.held_stacks ? HELD_CAPTURE_ALWAYS : HELD_CAPTURE_BUDGET;
	t->cache = t->cache_inline;
	t->cache_mask = EDGE_CACHE_SLOTS - 1;
	return t;
}

static struct thread_rec *thread_register(int parent_num, uint32_t create_stack)
{
	struct thread_rec *t = thread_new(parent_num, create_stack);
	if (!t)
		return NULL;
	registry_insert(t);
	deps_thread_memo(t->unwind_memo);
	tls_self = t;
	pthread_setspecific(exit_key, t);
	return t;
}

struct thread_rec *thread_self_slow(void)
{
	if (tls_exited || tls_guard || !atomic_load(&ready))
		return NULL;
	int saved_errno = errno;
	tls_guard++;
	struct thread_rec *t = thread_register(0, 0);
	tls_guard--;
	errno = saved_errno;
	return t;
}

void thread_register_created(int parent_num, uint32_t create_stack)
{
	if (!atomic_load(&ready) || tls_self)
		return;
	tls_guard++;
	thread_register(parent_num, create_stack);
	tls_guard--;
}

ssize_t thread_proc_read(pid_t tid, const char *file, char *buf, size_t len)
{
	char path[64];
	if (tid)
		snprintf(path, sizeof path, "/proc/self/task/%d/%s", (int)tid, file);
	else
		snprintf(path, sizeof path, "/proc/self/%s", file);
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static void read_comm(pid_t tid, char *buf, size_t len)
{
	if (thread_proc_read(tid, "comm", buf, len) > 0)
		buf[strcspn(buf, "\n")] = '\0';
}

/* The thread's name if the program gave it one (a thread that never called pthread_setname_np
 * carries the process's name, which says nothing). */
void thread_set_name_from_kernel(struct thread_rec *t, char *buf, size_t len)
{
	static char process_name[16];
	if (!process_name[0])
		read_comm(0, process_name, sizeof process_name);
	read_comm(t->tid, buf, len);
	if (t->num != 1 && strcmp(buf, process_name) == 0)
		buf[0] = '\0';
}

extern void *__libc_stack_end;         /* ld.so: the top of the main thread's stack */

void threads_init_main(void)
{
	pthread_key_create(&exit_key, on_thread_exit);
	atomic_store(&ready, 1);
	if (!tls_self) {
		tls_guard++;
		thread_register(0, 0);
		tls_guard--;
	}
	if (tls_self && tls_self->num == 1)
		tls_self->stack_top = (uintptr_t)__libc_stack_end;
}

/* In the child of fork() only the calling thread exists: drop every other record (their memory
 * belongs to threads that are gone) and give the survivor a fresh identity. */
void threads_after_fork_child(void)
{
	ilock_reset(&reg_lock);
	struct thread_rec *self = tls_self;
	struct thread_rec *t = reg_head, *next;
	for (; t; t = next) {
		next = t->next;
		if (t != self) {
			edge_cache_free(t);
			free(t);
		}
	}
	reg_head = NULL;
	reg_count = 0;
	if (self) {
		self->tid = (pid_t)syscall(SYS_gettid);
		self->glibc_id = glibc_self_id();       /* the child's glibc knows its new tid */
		self->self = pthread_self();
		atomic_store(&self->wait_kind, W_NONE);
		registry_insert(self);
	}
}
