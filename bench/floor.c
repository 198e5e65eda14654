/* floor: the least an LD_PRELOAD lock checker can cost — a do-nothing interposer (bench only).
 *
 * pthread_mutex_lock and pthread_mutex_unlock are interposed, forwarded to the next definition
 * (dlsym(RTLD_NEXT), resolved once at load) and counted in a thread-local counter, which is all the
 * bookkeeping there is: no lock table, no held stack, no shared write.  What a run under it costs
 * beyond native is the price of interposition alone on this host — the call through the program's
 * PLT into a preloaded library, the TLS access, the indirect call to the real function — and so the
 * floor under coffman's nested rows (bench/run: nested1floor, nested2floor).
 *
 * Built by bench/run as a shared library:  cc -shared -fPIC -O2 -o libfloor.so floor.c -ldl
 * At exit it says on stderr how many calls it forwarded (the run's log), so a run that bypassed it
 * (static linking, a program that does not call through the PLT) shows up as zero.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*mutex_fn)(pthread_mutex_t *);

static mutex_fn real_lock, real_unlock;
static _Atomic unsigned long total;             /* counts of threads that have exited */
static pthread_key_t exit_key;

/* initial-exec: a %fs-relative access (the default model for a shared library calls __tls_get_addr), as
 * coffman itself does it. */
static __thread struct {
	unsigned long calls;
	int registered;
} self __attribute__((tls_model("initial-exec")));

static void resolve(void)
{
	real_lock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_lock");
	real_unlock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_unlock");
	if (!real_lock || !real_unlock)
		abort();
}

static void thread_done(void *p)
{
	atomic_fetch_add(&total, *(unsigned long *)p);
}

/* Once per thread (a predictable branch after that): its count is added to the total at its exit. */
static __attribute__((noinline)) void thread_register(void)
{
	self.registered = 1;
	pthread_setspecific(exit_key, &self.calls);
}

__attribute__((constructor)) static void floor_load(void)
{
	resolve();
	pthread_key_create(&exit_key, thread_done);
}

__attribute__((destructor)) static void floor_unload(void)
{
	/* The main thread's key destructor does not run at exit: its count is added here. */
	unsigned long n = atomic_load(&total) + self.calls;
	fprintf(stderr, "floor: %lu pthread_mutex_lock/unlock calls forwarded\n", n);
}

__attribute__((visibility("default"))) int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (__builtin_expect(!real_lock, 0))
		resolve();              /* called from another library's constructor before ours */
	if (__builtin_expect(!self.registered, 0))
		thread_register();
	self.calls++;
	return real_lock(m);
}

__attribute__((visibility("default"))) int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (__builtin_expect(!real_unlock, 0))
		resolve();
	self.calls++;
	return real_unlock(m);
}
