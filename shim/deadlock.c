/* The wait-for search.  Threads are nodes; a thread waiting on a lock points at the lock's holder, a
 * thread joining points at the joined thread.  graph/waitfor finds the cycle; this file builds the
 * successor function from the live registry and turns a confirmed cycle into a report. */
#include "deadlock.h"
#include "elf_symbols.h"
#include "memprobe.h"
#include "annotate.h"
#include "events.h"
#include "glibc_mutex.h"
#include "order.h"
#include "report.h"
#include "sems.h"
#include "stacks.h"
#include "waitfor.h"

#include <dirent.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CYCLE 128

/* ---- objects another process can reach ---- */

/* Whether addr lies in a MAP_SHARED mapping ('s' in the permissions of /proc/self/maps): memory that
 * another process may map too.  Only the slow searches below call it.  Unreadable: assume shared (the
 * cautious answer: at worst a deadlock is left to the watchdog). */
static int addr_in_shared_mapping(const void *addr)
{
	char line[PATH_MAX + 128];
	int r = elf_maps_line((uintptr_t)addr, line, sizeof line);
	if (r <= 0)
		return r < 0;           /* unreadable: shared; not mapped: nothing shares it */
	const char *perms = strchr(line, ' ');
	return perms && strlen(perms) > 4 && perms[4] == 's';
}

/* Another process can unlock this mutex, or signal this condition variable: it is marked
 * PTHREAD_PROCESS_SHARED, or lives in shared memory.  A wait on it is never proof of a deadlock.
 *
 * The objects read here are other threads' waits: the program may have unmapped one since (a bug, but
 * natively its waiter just sleeps on), and a read of it ended the program with SIGSEGV in the middle
 * of another thread's deadlock search.  Memory that cannot be read is asked of the kernel first
 * (memprobe.h: a mutex once, in deadlock_holder_of), and such a wait is no proof of a deadlock
 * either: the watchdog still reports it. */
static int mutex_reachable_from_outside(const pthread_mutex_t *m)
{
	return glibc_mutex_is_pshared(m) || addr_in_shared_mapping(m);      /* m asked for (holder_of) */
}

static int cond_reachable_from_outside(const pthread_cond_t *c)
{
	return !mem_readable(c, sizeof *c) || glibc_cond_is_pshared(c) || addr_in_shared_mapping(c);
}

/* Another process can post this semaphore or arrive at this barrier: process-shared, named, not
 * initialised through the checker (nothing known of it), or in shared memory. */
static int sync_reachable_from_outside(const void *obj)
{
	return sems_pshared_or_unknown(obj) || addr_in_shared_mapping(obj);
}

/* A semaphore that a thread published as waited on has a count: a post it has not taken yet (it
 * comes between that thread's slices, or it is woken and not yet scheduled).  The thread is about to
 * run, whatever its record says.  One load in the semaphore (glibc's sem_getvalue). */
static int sem_posted(const void *sem)
{
	int value = 0;
	if (!mem_readable(sem, sizeof(sem_t)))
		return 0;       /* gone (above): nobody posts it now */
	return sem_getvalue((sem_t *)sem, &value) == 0 && value > 0;
}

/* The program handles a signal that may come from outside (another process, a timer): a handler of
 * its own, not the checker's, for a signal other than a fault of the running code.  Such a handler
 * may end any semaphore wait: sem_post is async-signal-safe, the classic way to wake a thread from a
 * handler, and the signal itself ends sem_wait with EINTR.  So, like a process-shared semaphore, a
 * semaphore wait is then no proof of a deadlock.  (A lock, condition or join wait is neither ended
 * by a signal nor may a handler release it.)  Up to NSIG sigaction queries, no allocation. */
static int program_handles_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
		    sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS)
			continue;
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) != 0)
			continue;       /* glibc's own (cancellation, setxid): not the program's */
		uintptr_t h = (sa.sa_flags & SA_SIGINFO) ? (uintptr_t)sa.sa_sigaction : (uintptr_t)sa.sa_handler;
		if (h == (uintptr_t)SIG_DFL || h == (uintptr_t)SIG_IGN || stacks_pc_is_own(h))
			continue;
		return 1;
	}
	return 0;
}

/* Registry locked: the threads that have arrived at barrier b and wait there now. */
static unsigned barrier_arrived(const void *b)
{
	unsigned n = 0;
	for (struct thread_rec *t = registry_first(); t; t = t->next)
		if (atomic_load(&t->wait_kind) == W_BARRIER && atomic_load(&t->wait_obj) == b)
			n++;
	return n;
}

/* ---- one search's maps (registry locked) ----
 * Every step of a wait-for chain asks who holds a lock and where that thread is in the node list.
 * Scanning every thread's held stack and the node list per step made one search over a thousand
 * waiting threads cost a million steps, and every waiter searches at each slice, each under the
 * registry lock: a thousand threads convoyed on a chain of locks took minutes instead of a fraction
 * of a second.  So each search first maps lock -> holder and thread -> node index, in open-addressing
 * tables sized to what the registry holds (past 4096 held locks, the scans as before). */
#define SEARCH_SLOTS 8192u
static struct { const void *key; void *val; } holder_map[SEARCH_SLOTS], index_map[SEARCH_SLOTS];
static unsigned holder_mask, index_mask;        /* 0: map not built (scan instead) */

static unsigned map_home(const void *key, unsigned mask)
{
	uint64_t k = (uint64_t)(uintptr_t)key;
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (unsigned)k & mask;
}

/* Insert if absent (the first holder in registry order stays). */
static void map_put(void *map_, unsigned mask, const void *key, void *val)
{
	struct { const void *key; void *val; } *map = map_;
	unsigned i = map_home(key, mask);
	while (map[i].key && map[i].key != key)
		i = (i + 1) & mask;
	if (!map[i].key) {
		map[i].key = key;
		map[i].val = val;
	}
}

static void *map_get(const void *map_, unsigned mask, const void *key)
{
	const struct { const void *key; void *val; } *map = map_;
	for (unsigned i = map_home(key, mask); map[i].key; i = (i + 1) & mask)
		if (map[i].key == key)
			return map[i].val;
	return NULL;
}

static unsigned mask_for(size_t n)
{
	unsigned cap = 64;
	while (cap < 2 * n)
		cap *= 2;
	return cap <= SEARCH_SLOTS ? cap - 1 : 0;
}

static void count_hold(void *arg, struct thread_rec *t, const void *lock)
{
	(void)t;
	(void)lock;
	++*(size_t *)arg;
}

static void map_hold(void *arg, struct thread_rec *t, const void *lock)
{
	(void)arg;
	map_put(holder_map, holder_mask, lock, t);
}

static void search_maps_build(struct thread_rec **nodes, int count)
{
	size_t held = 0;
	registry_each_live_hold(count_hold, &held);
	holder_mask = mask_for(held);
	if (holder_mask) {
		memset(holder_map, 0, (holder_mask + 1) * sizeof holder_map[0]);
		registry_each_live_hold(map_hold, NULL);
	}
	index_mask = mask_for((size_t)count);
	if (index_mask) {
		memset(index_map, 0, (index_mask + 1) * sizeof index_map[0]);
		for (int i = 0; i < count; i++)
			map_put(index_map, index_mask, nodes[i], (void *)(uintptr_t)(i + 1));
	}
}

static void search_maps_drop(void)
{
	holder_mask = index_mask = 0;
}

/* The thread holding lock, by the threads' held stacks, else by the mutex's own owner field.  For a
 * mutex another process can reach, the owner field has the last word: if it names a thread outside
 * this process, a held stack that still lists the mutex is out of date. */
struct thread_rec *deadlock_holder_of(const void *lock, int kind)
{
	struct thread_rec *o = holder_mask ? map_get(holder_map, holder_mask, lock) : registry_holder_of(lock, NULL);
	if (kind != LK_MUTEX && kind != LK_C11)
		return o;
	const pthread_mutex_t *m = lock;
	if (!mem_readable(m, sizeof *m))
		return o;       /* gone (above): only the checker's own record is left */
	pid_t owner = glibc_mutex_owner(m);
	if (o && (owner <= 0 || owner == o->tid || !mutex_reachable_from_outside(m)))
		return o;
	return owner > 0 ? registry_find_tid(owner) : NULL;
}

/* Whom t waits for: a thread, or NULL (running, timed, or waiting on something with no owner). */
static struct thread_rec *successor(struct thread_rec *t)
{
	int kind = atomic_load(&t->wait_kind);
	if (kind == W_NONE || atomic_load(&t->wait_timed))
		return NULL;
	if (kind == W_LOCK)
		return deadlock_holder_of(atomic_load(&t->wait_obj), atomic_load(&t->wait_lock_kind));
	if (kind == W_JOIN) {
		int num = atomic_load(&t->join_num);
		/* 0: the joined thread had not registered when the join began; it may have since. */
		return num ? registry_find_num(num) : registry_find_pthread((pthread_t)atomic_load(&t->wait_obj));
	}
	return NULL;
}

static int successor_index(void *ctx, int node)
{
	struct thread_rec **nodes = ctx;
	struct thread_rec *next = successor(nodes[node]);
	if (!next)
		return -1;
	if (index_mask)
		return (int)(uintptr_t)map_get(index_map, index_mask, next) - 1;
	for (int i = 0; nodes[i]; i++)
		if (nodes[i] == next)
			return i;
	return -1;
}

struct snapshot {
	struct thread_rec *members[MAX_CYCLE];
	unsigned transitions[MAX_CYCLE];
	int n;
};

/* Under the registry lock: the cycle through self, if any, with each member's transition count. */
static int find_cycle(struct thread_rec *self, struct snapshot *s)
{
	static struct thread_rec *nodes[4096 + 1];
	int count = 0, start = -1;
	for (struct thread_rec *t = registry_first(); t && count < 4096; t = t->next) {
		if (t == self)
			start = count;
		nodes[count++] = t;
	}
	nodes[count] = NULL;
	if (start < 0)
		return 0;
	int cycle[MAX_CYCLE];
	search_maps_build(nodes, count);
	int n = waitfor_cycle_through(start, successor_index, nodes, cycle, MAX_CYCLE);
	search_maps_drop();
	s->n = 0;
	for (int i = 0; i < n; i++) {
		s->members[i] = nodes[cycle[i]];
		s->transitions[i] = atomic_load(&nodes[cycle[i]]->transitions);
	}
	s->n = n;
	return n;
}

/* What the kernel says: the thread is asleep (S, or D in the kernel).  A thread our records show
 * waiting may already have been woken and merely not run yet; it is then runnable (R), and nothing
 * is deadlocked. */
static int kernel_says_asleep(pid_t tid)
{
	char buf[512];
	if (thread_proc_read(tid, "stat", buf, sizeof buf) <= 0)
		return 0;
	const char *end_of_name = strrchr(buf, ')');   /* the name may contain spaces and parentheses */
	if (!end_of_name || end_of_name[1] != ' ')
		return 0;
	return end_of_name[2] == 'S' || end_of_name[2] == 'D';
}

/* t runs none of the program's code now, so it cannot be about to end its wait: the kernel has it
 * asleep, or it is in our own code between two attempts of its wait (its slice work — often its own
 * deadlock search, at the same moment as ours — or spinning on a spin lock).  Only a thread the kernel
 * shows running elsewhere may have been woken already and merely not have said so yet. */
static int blocked_now(struct thread_rec *t)
{
	if (atomic_load(&t->in_slice))
		return 1;
	if (atomic_load(&t->wait_kind) == W_LOCK && atomic_load(&t->wait_lock_kind) == LK_SPIN)
		return 1;
	/* A thread waiting on an annotated lock may be spinning, runnable: its record, which only its
	 * holder's release can change, is all there is to go by. */
	if (annotate_wait_is_annotated(t))
		return 1;
	return kernel_says_asleep(t->tid);
}

/* Registry locked: every member but the caller (who runs this check) is blocked now, and none has
 * started or ended a wait since the snapshot s was taken — also not while we looked. */
static int others_blocked(const struct snapshot *s, const struct thread_rec *self)
{
	for (int i = 0; i < s->n; i++)
		if (s->members[i] != self && !blocked_now(s->members[i]))
			return 0;
	for (int i = 0; i < s->n; i++)
		if (atomic_load(&s->members[i]->transitions) != s->transitions[i])
			return 0;
	return 1;
}

static int same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (a->members[i] != b->members[i] || a->transitions[i] != b->transitions[i])
			return 0;
	return 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int all_stacks_known(const struct snapshot *s)
{
	for (int i = 0; i < s->n; i++)
		if (!atomic_load(&s->members[i]->wait_stack))
			return 0;
	return 1;
}

void report_add_wait(struct report *r, struct thread_rec *t, double now_s)
{
	if (r->nwaits == REPORT_MAX_THREADS)
		return;
	struct report_wait *w = &r->waits[r->nwaits++];
	w->thread = report_add_thread_rec(r, t);
	int kind = atomic_load(&t->wait_kind);
	const void *obj = atomic_load(&t->wait_obj);
	w->waits = -1;
	if (kind == W_LOCK) {
		w->waits = report_add_lock(r, (uintptr_t)obj, lock_kind_name(atomic_load(&t->wait_lock_kind)));
		snprintf(w->what, sizeof w->what, "%s", lock_kind_name(atomic_load(&t->wait_lock_kind)));
	} else if (kind == W_JOIN) {
		snprintf(w->what, sizeof w->what, "pthread_join of T%d", atomic_load(&t->join_num));
		w->wait_obj = (uintptr_t)obj;
	} else if (kind == W_COND) {
		snprintf(w->what, sizeof w->what, "a condition wait");
		w->wait_obj = (uintptr_t)obj;
	} else if (kind == W_ONCE) {
		snprintf(w->what, sizeof w->what, "pthread_once");
		w->wait_obj = (uintptr_t)obj;
	} else if (kind == W_SEM || kind == W_BARRIER) {
		/* No owner, but an identity: a "lock" of the report, so that it is named like one. */
		struct sync_info info;
		sems_lookup(obj, &info);
		w->waits = report_add_lock(r, (uintptr_t)obj, kind == W_SEM ? "semaphore" : "barrier");
		w->wait_obj = (uintptr_t)obj;
		if (info.known && !r->locks[w->waits].create_pc) {
			r->locks[w->waits].create_pc = info.init_pc;
			r->locks[w->waits].create_is_init = 1;
		}
		if (kind == W_BARRIER && info.known)
			snprintf(w->what, sizeof w->what, "barrier, %u of %u threads arrived", barrier_arrived(obj),
				 info.count);
		else if (kind == W_BARRIER)
			snprintf(w->what, sizeof w->what, "barrier, %u threads arrived", barrier_arrived(obj));
		else if (info.name[0])
			snprintf(w->what, sizeof w->what, "semaphore '%.32s'", info.name);
		else
			snprintf(w->what, sizeof w->what, "semaphore");
	} else {
		snprintf(w->what, sizeof w->what, "nothing (running)");
	}
	int n = t->nheld < HELD_MAX ? t->nheld : HELD_MAX;
	for (int i = 0; i < n && w->nholds < 8; i++)
		w->holds[w->nholds++] = report_add_lock(r, (uintptr_t)t->held[i].lock, lock_kind_name(t->held[i].kind));
	if (kind == W_NONE)
		return;         /* running: no blocking call, no wait time */
	w->stack = atomic_load(&t->wait_stack);
	if (!w->stack)
		w->stack = stack_intern((const uintptr_t[]){ atomic_load(&t->wait_pc) }, 1);
	w->seconds = now_s - (double)atomic_load(&t->wait_since_ns) / 1e9;
}

/* Same threads in the same waits: the same deadlock (reported, or suppressed, once). */
static uint64_t members_signature(const struct snapshot *s)
{
	uint64_t sig = (uint64_t)RK_DEADLOCK << 56;
	for (int i = 0; i < s->n; i++)
		sig += (uint64_t)s->members[i]->num * 0x9e3779b97f4a7c15ull;
	return sig;
}

/* Another thread already reports and ends the process: wait for the end. */
static void wait_for_end(void)
{
	for (;;)
		sleep_ms(1000);
}

/* Claim the end of the process and start a deadlock report with the waits of these threads.  Another
 * thread already ending the process: this one waits for the end instead. */
static struct report *start_deadlock_report(struct thread_rec *const *members, int n)
{
	if (!report_claim_termination())
		wait_for_end();
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		report_terminate(1);
	report_init(r, RK_DEADLOCK);
	double now_s = (double)now_ns() / 1e9;
	registry_lock();
	for (int i = 0; i < n; i++)
		report_add_wait(r, members[i], now_s);
	registry_unlock();
	order_fill_lock_sites(r);
	return r;
}

/* Show it and end the process; a suppressed deadlock waits on, as without the checker. */
static void finish_deadlock_report(struct report *r)
{
	int shown = report_emit(r);
	free(r);
	if (shown)
		report_terminate(1);
	report_release_termination();
}

static void report_cycle_and_end(const struct snapshot *s)
{
	struct report *r = start_deadlock_report(s->members, s->n);
	struct outbuf chain;
	ob_init(&chain);
	for (int i = 0; i < r->nwaits; i++) {
		const struct report_wait *w = &r->waits[i];
		int next = r->threads[r->waits[(i + 1) % r->nwaits].thread].num;
		if (w->waits >= 0)
			ob_printf(&chain, "%sT%d waits for L%d held by T%d", i ? "; " : "", r->threads[w->thread].num,
				  w->waits + 1, next);
		else
			ob_printf(&chain, "%sT%d joins T%d", i ? "; " : "", r->threads[w->thread].num, next);
	}
	int full = s->n == 1 ? snprintf(r->summary, sizeof r->summary, "T%d waits for itself: %s",
					r->threads[0].num, chain.data ? chain.data : "")
			     : snprintf(r->summary, sizeof r->summary, "%d threads wait for each other: %s", s->n,
					chain.data ? chain.data : "");
	if (full >= (int)sizeof r->summary)     /* a long cycle: the waits below list every thread */
		memcpy(r->summary + sizeof r->summary - 5, " ...", 5);
	ob_free(&chain);
	snprintf(r->note, sizeof r->note, "a real deadlock, now: the process is ended with the exit code");
	r->signature = members_signature(s) ^ 0xc1c1e;
	finish_deadlock_report(r);
}

/* Confirm the cycle is not a stale snapshot: a moment later the same members are in the same waits,
 * none moved, each is blocked (see blocked_now), and their stacks at the blocking call are known.  A
 * member caught running is looked at again, not given up on: several members of one cycle reach
 * their slice ends, and so their searches, together — giving up at once let two searchers veto each
 * other at every slice, in lock step, for seconds. */
#define CONFIRM_PAUSE_MS 50
#define CONFIRM_TRIES 10

static int confirm(struct thread_rec *self, const struct snapshot *first)
{
	for (int tries = 1; tries <= CONFIRM_TRIES; tries++) {
		sleep_ms(CONFIRM_PAUSE_MS);
		struct snapshot again;
		registry_lock();
		int n = find_cycle(self, &again);
		int stable = n > 0 && same_snapshot(first, &again);
		int ready = stable && (all_stacks_known(&again) || tries == CONFIRM_TRIES) &&
			    others_blocked(&again, self);
		registry_unlock();
		if (!stable)
			return 0;       /* someone moved: no deadlock (or not yet: the next slice looks again) */
		if (ready)
			return 1;
	}
	return 0;
}

/* ---- every thread blocked ---- */

/* The kernel's count of this process's threads.  Read with getdents64 into a buffer on the stack:
 * opendir mallocs its DIR, and that malloc is the program's, called from a wait slice inside a wrapper
 * while every thread waits (one of them may hold the allocator's lock). */
static int task_count(void)
{
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int n = 0;
	char buf[4096] __attribute__((aligned(8)));
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (got <= 0) {
			if (got < 0)
				n = -1;
			break;
		}
		for (long at = 0; at < got;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + at);
			if (e->d_name[0] != '.')
				n++;
			at += e->d_reclen;
		}
	}
	close(fd);
	return n;
}

extern int watchdog_thread_count(void);

/* Under the registry lock: every registered thread waits, untimed, on something nobody running can
 * release, and the kernel knows no thread we do not.  Fills s with all threads. */
static int all_blocked(struct snapshot *s)
{
	s->n = 0;
	/* First the cheap test on every thread: with many threads, one that runs is found at once, and
	 * the dear one below (a holder lookup per waiter) is not paid per waiter per slice. */
	int waiting = 0;
	for (struct thread_rec *t = registry_first(); t; t = t->next) {
		int kind = atomic_load(&t->wait_kind);
		if (kind == W_NONE || atomic_load(&t->wait_timed) || ++waiting > MAX_CYCLE)
			return 0;
	}
	for (struct thread_rec *t = registry_first(); t; t = t->next) {
		int kind = atomic_load(&t->wait_kind);
		if (kind == W_NONE || atomic_load(&t->wait_timed) || s->n == MAX_CYCLE)
			return 0;
		if ((kind == W_LOCK || kind == W_JOIN) && !successor(t))
			return 0;       /* its lock is free, or the thread it joins has ended: it is about to run */
		if (kind == W_SEM && sem_posted(atomic_load(&t->wait_obj)))
			return 0;       /* posted since it last looked: it takes it at its next slice */
		s->members[s->n] = t;
		s->transitions[s->n] = atomic_load(&t->transitions);
		s->n++;
	}
	/* Last, as the dearest tests (they may read /proc/self/maps): a condition variable, semaphore or
	 * barrier that another process may signal, post or arrive at; a barrier whose round is complete
	 * (its last thread has arrived: all are about to run).  (A lock held in another process has no
	 * successor here, see above.) */
	for (int i = 0; i < s->n; i++) {
		int kind = atomic_load(&s->members[i]->wait_kind);
		const void *obj = atomic_load(&s->members[i]->wait_obj);
		if (kind == W_BARRIER) {
			struct sync_info info;
			sems_lookup(obj, &info);
			if (!info.known || barrier_arrived(obj) >= info.count)
				return 0;
		}
	}
	int sem_waits = 0;
	for (int i = 0; i < s->n; i++) {
		int kind = atomic_load(&s->members[i]->wait_kind);
		const void *obj = atomic_load(&s->members[i]->wait_obj);
		if (kind == W_COND && cond_reachable_from_outside(obj))
			return 0;
		if ((kind == W_SEM || kind == W_BARRIER) && sync_reachable_from_outside(obj))
			return 0;
		sem_waits += kind == W_SEM;
	}
	if (sem_waits && program_handles_signals())
		return 0;
	return s->n > 0;
}

int deadlock_barrier_would_block(const struct thread_rec *self, const void *b)
{
	struct sync_info info;
	sems_lookup(b, &info);
	if (!info.known)
		return 0;
	registry_lock();
	int all = 1;
	for (struct thread_rec *t = registry_first(); t && all; t = t->next)
		if (t != self && (atomic_load(&t->wait_kind) == W_NONE || atomic_load(&t->wait_timed)))
			all = 0;
	int blocks = all && barrier_arrived(b) < info.count;
	registry_unlock();
	return blocks;
}

static void report_all_blocked_and_end(const struct snapshot *s)
{
	/* The oldest thread first (the registry lists the newest first): the main thread leads, and a
	 * report that can show only REPORT_MAX_THREADS waits shows it and says how many it leaves out. */
	struct thread_rec *oldest_first[MAX_CYCLE] = { 0 };
	for (int i = 0; i < s->n; i++)
		oldest_first[i] = s->members[s->n - 1 - i];
	struct report *r = start_deadlock_report(oldest_first, s->n);
	if (s->n == 1)   /* the count is the label: one thread is not "all 1 threads" */
		snprintf(r->summary, sizeof r->summary, "the only thread, T%d, is blocked and nothing can wake it",
			 r->threads[0].num);
	else
		snprintf(r->summary, sizeof r->summary,
			 "all %d threads are blocked and none can wake another", s->n);
	snprintf(r->note, sizeof r->note,
		 "every thread waits on a lock, a condition variable, a semaphore, a barrier or a join: the process "
		 "is ended with the exit code");
	if (s->n > r->nwaits) {
		size_t used = strlen(r->note);
		snprintf(r->note + used, sizeof r->note - used, " (the first %d threads are shown, %d more wait)",
			 r->nwaits, s->n - r->nwaits);
	}
	r->signature = members_signature(s) ^ 0xa11b10c;
	finish_deadlock_report(r);
}

int deadlock_check_all_blocked(void)
{
	struct snapshot a, b;
	registry_lock();
	int blocked = all_blocked(&a);
	registry_unlock();
	if (!blocked || task_count() != a.n + watchdog_thread_count())
		return 0;
	sleep_ms(100);
	struct snapshot cycle = { .n = 0 };
	registry_lock();
	blocked = all_blocked(&b);
	if (blocked && same_snapshot(&a, &b))
		blocked = others_blocked(&b, tls_self);
	/* Every thread is stuck; if some of them wait for each other, that cycle is the better report
	 * (whichever thread's search gets here first: the report must not depend on the race). */
	for (int i = 0; blocked && i < b.n && cycle.n == 0; i++)
		find_cycle(b.members[i], &cycle);
	registry_unlock();
	if (!blocked || !same_snapshot(&a, &b) || task_count() != b.n + watchdog_thread_count())
		return 0;
	if (cycle.n > 0)
		report_cycle_and_end(&cycle);
	else
		report_all_blocked_and_end(&b);
	return 1;
}

static void deadlock_search(struct thread_rec *self);

/* The mutex self waits on names an owner thread that no longer exists in this process (it exited
 * holding the lock, or the lock was inherited locked through fork): nobody will ever unlock it. */
static pid_t ghost_owner(struct thread_rec *self)
{
	if (atomic_load(&self->wait_kind) != W_LOCK || atomic_load(&self->wait_timed))
		return 0;
	int kind = atomic_load(&self->wait_lock_kind);
	if (kind != LK_MUTEX && kind != LK_C11)
		return 0;
	const pthread_mutex_t *m = atomic_load(&self->wait_obj);
	/* A robust mutex whose owner died is handed over with EOWNERDEAD: not a ghost. */
	if (glibc_mutex_is_robust(m))
		return 0;
	pid_t owner = glibc_mutex_owner(m);
	if (owner <= 0 || owner == self->tid)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d", (int)owner);
	if (access(path, F_OK) == 0)
		return 0;
	/* Not a thread of this process: of another one, if another process can reach the mutex. */
	return mutex_reachable_from_outside(m) ? 0 : owner;
}

static void report_ghost_and_end(struct thread_rec *self, pid_t owner)
{
	struct report *r = start_deadlock_report(&self, 1);
	snprintf(r->summary, sizeof r->summary,
		 "T%d waits for L%d, whose owner (tid %d) no longer exists in this process", self->num,
		 r->waits[0].waits + 1, (int)owner);
	snprintf(r->note, sizeof r->note,
		 "the owner exited while holding it, or it was locked by another thread when this process was forked; "
		 "nobody can ever unlock it");
	r->signature = ((uint64_t)RK_DEADLOCK << 56) ^ (uint64_t)(uintptr_t)atomic_load(&self->wait_obj) ^ 0x6405;
	finish_deadlock_report(r);
}

void deadlock_check(struct thread_rec *self)
{
	int saved_errno = errno;
	deadlock_search(self);
	errno = saved_errno;
}

static void deadlock_search(struct thread_rec *self)
{
	struct snapshot s;
	pid_t ghost = ghost_owner(self);
	if (ghost) {
		sleep_ms(50);   /* confirm: still waiting on the same lock, owner still gone */
		if (ghost_owner(self) == ghost)
			report_ghost_and_end(self, ghost);
	}
	registry_lock();
	int n = find_cycle(self, &s);
	registry_unlock();
	if (n > 0) {
		if (confirm(self, &s))
			report_cycle_and_end(&s);
		return;
	}
	deadlock_check_all_blocked();
}
