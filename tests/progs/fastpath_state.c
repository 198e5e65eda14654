/* fastpath_state: what a mutex says about itself after the checker's lock fast path took it, for
 * every kind of mutex.  The fast path takes a normal, error-checking or adaptive mutex with its own
 * compare-and-swap (shim/glibc_mutex.h) and leaves the other kinds to glibc; either way the mutex must
 * end up exactly as glibc's own trylock leaves it.  Each kind is nested under an outer mutex 300
 * times (enough that the edge is cached and the thread's stack-capture budget spent: the fast path),
 * then the glibc fields are printed while held, after a condition-variable timeout (glibc unlocks and
 * re-takes the mutex internally), after another thread's trylock, and after the unlock.  Then a thread
 * blocks on the mutex and the unlock (the fast path's own release, for the plain kinds) must wake it
 * at once: a lost wake-up would leave it asleep until its wait's first slice ends (100 ms under the
 * checker), so the wake is timed — the best of three tries — against 50 ms.  The test compares the
 * output with a native run's. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;

static void show(const char *kind, const char *when, const pthread_mutex_t *m)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	int owner = m->__data.__owner;
	/* A robust mutex's lock word holds its owner's tid (FUTEX_TID_MASK) under two flag bits. */
	unsigned word = (unsigned)m->__data.__lock;
	char lock[32];
	if ((pid_t)(word & 0x3fffffffu) == self)
		snprintf(lock, sizeof lock, "self|0x%x", word & ~0x3fffffffu);
	else
		snprintf(lock, sizeof lock, "%u", word);
	printf("%s %s: lock=%s owner=%s nusers=%u count=%u kind=%d\n", kind, when, lock,
	       owner == self ? "self" : owner == 0 ? "0" : "other", m->__data.__nusers, m->__data.__count,
	       m->__data.__kind);
}

static void *other_trylock(void *p)
{
	int rc = pthread_mutex_trylock(p);
	printf("other thread's trylock: %s\n", rc == EBUSY ? "EBUSY" : rc == 0 ? "0" : "error");
	if (rc == 0)
		pthread_mutex_unlock(p);
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct waiter {
	pthread_mutex_t *m;
	double woke_ms;
};

static void *waiter_run(void *p)
{
	struct waiter *w = p;
	pthread_mutex_lock(w->m);
	w->woke_ms = now_ms();
	pthread_mutex_unlock(w->m);
	return NULL;
}

/* The calling thread takes m (outer held first: the fast path), a waiter blocks on it, and the unlock
 * must wake it: the shortest of three delays between the unlock and the waiter's return, in ms. */
static double wake_delay(pthread_mutex_t *m)
{
	double best = 1e9;
	for (int i = 0; i < 3; i++) {
		pthread_mutex_lock(&outer);
		pthread_mutex_lock(m);
		struct waiter w = { m, 0 };
		pthread_t th;
		pthread_create(&th, NULL, waiter_run, &w);
		/* Asleep in the kernel once the lock word says so: 2, or FUTEX_WAITERS (robust). */
		for (int n = 0; n < 2000; n++) {
			unsigned word = (unsigned)__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
			if (word == 2 || (word & 0x80000000u))
				break;
			usleep(1000);
		}
		usleep(2000);
		double t0 = now_ms();
		pthread_mutex_unlock(m);
		pthread_mutex_unlock(&outer);
		pthread_join(th, NULL);
		if (w.woke_ms - t0 < best)
			best = w.woke_ms - t0;
	}
	return best;
}

static void one(const char *kind, int type, int pshared, int robust)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	if (type < 0) {         /* default attributes: __kind 0 (a settype(NORMAL) sets NO_ELISION too) */
		pthread_mutex_init(&m, NULL);
		goto ready;
	}
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	if (pshared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (robust)
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&m, &a);
	pthread_mutexattr_destroy(&a);
ready:
	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&outer);
		pthread_mutex_lock(&m);
		pthread_mutex_unlock(&m);
		pthread_mutex_unlock(&outer);
	}
	pthread_mutex_lock(&outer);
	if (pthread_mutex_lock(&m) != 0)
		printf("%s: lock failed\n", kind);
	show(kind, "held", &m);
	if (!pshared) {
		pthread_cond_t c = PTHREAD_COND_INITIALIZER;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		int rc = pthread_cond_timedwait(&c, &m, &ts);
		printf("%s: cond timedwait %s\n", kind, rc == ETIMEDOUT ? "ETIMEDOUT" : rc == 0 ? "0" : "error");
		show(kind, "after cond wait", &m);
		pthread_cond_destroy(&c);
	}
	pthread_t th;
	pthread_create(&th, NULL, other_trylock, &m);
	pthread_join(th, NULL);
	show(kind, "after other's trylock", &m);
	pthread_mutex_unlock(&m);
	pthread_mutex_unlock(&outer);
	show(kind, "released", &m);
	printf("%s: a waiter is woken by the unlock %s\n", kind, wake_delay(&m) < 50 ? "at once" : "late");
	show(kind, "after the waiter", &m);
	pthread_mutex_destroy(&m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	one("default", -1, 0, 0);
	one("normal", PTHREAD_MUTEX_NORMAL, 0, 0);
	one("errorcheck", PTHREAD_MUTEX_ERRORCHECK, 0, 0);
	one("adaptive", PTHREAD_MUTEX_ADAPTIVE_NP, 0, 0);
	one("recursive", PTHREAD_MUTEX_RECURSIVE, 0, 0);
	one("pshared-normal", PTHREAD_MUTEX_NORMAL, 1, 0);
	one("robust-normal", PTHREAD_MUTEX_NORMAL, 0, 1);
	one("robust-errorcheck", PTHREAD_MUTEX_ERRORCHECK, 0, 1);
	printf("fastpath_state done\n");
	return 0;
}
