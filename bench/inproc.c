/* inproc: the nested-mutex loop through glibc and through the preloaded library, in one process.
 *
 * Run under LD_PRELOAD (or the launcher), it takes the same four mutexes in the same nested order
 * (4 locks, 4 unlocks) in alternating bursts: one burst through glibc's own functions (looked up in
 * libc.so.6 itself, so the preloaded wrappers are bypassed) and one through the functions the program
 * would call (dlsym(RTLD_DEFAULT): the wrappers).  Both sides see the same host at the same moment, to
 * within a burst (about a millisecond), so the machine's speed changes — which on a shared VM move
 * whole runs by 1.5x — cancel out of the ratio.  Without a preload both sides are glibc (ratio 1).
 *
 *   inproc [bursts=100] [iters=20000]
 *   prints: bursts= iters= native_ns= shim_ns= ratio= q1= q3=  (ns per lock-unlock pair, medians of
 *   the bursts; ratio: the median over burst pairs of shim/native, q1/q3 its quartiles)
 *
 * What it does not cancel: some property of each process (layout, placement) that moves the ratio
 * from one run to the next; bench/ab runs many processes and compares libraries round by round.
 */
#include "common.h"

#include <dlfcn.h>

typedef int (*mutex_fn)(pthread_mutex_t *);

static pthread_mutex_t locks[4] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
				    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };

/* One burst: ns per lock-unlock pair. */
static double burst(mutex_fn lock, mutex_fn unlock, long iters)
{
	uint64_t t0 = bench_now_ns();
	for (long i = 0; i < iters; i++) {
		lock(&locks[0]);
		lock(&locks[1]);
		lock(&locks[2]);
		lock(&locks[3]);
		unlock(&locks[3]);
		unlock(&locks[2]);
		unlock(&locks[1]);
		unlock(&locks[0]);
	}
	return (double)(bench_now_ns() - t0) / (4.0 * (double)iters);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, by_value);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "bursts", "iters", NULL };
	bench_check_args(argc, argv, known);
	int bursts = (int)bench_arg(argc, argv, "bursts", 100);
	long iters = bench_arg(argc, argv, "iters", 20000);
	if (bursts < 4 || bursts > 100000 || iters < 1) {
		fprintf(stderr, "inproc: bursts must be 4..100000, iters >= 1\n");
		return 2;
	}
	void *libc = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
	mutex_fn native_lock = libc ? (mutex_fn)dlsym(libc, "pthread_mutex_lock") : NULL;
	mutex_fn native_unlock = libc ? (mutex_fn)dlsym(libc, "pthread_mutex_unlock") : NULL;
	mutex_fn shim_lock = (mutex_fn)dlsym(RTLD_DEFAULT, "pthread_mutex_lock");
	mutex_fn shim_unlock = (mutex_fn)dlsym(RTLD_DEFAULT, "pthread_mutex_unlock");
	if (!native_lock || !native_unlock || !shim_lock || !shim_unlock) {
		fprintf(stderr, "inproc: cannot find pthread_mutex_lock/unlock: %s\n", dlerror());
		return 1;
	}
	double *native = bench_xcalloc((size_t)bursts, sizeof *native);
	double *shim = bench_xcalloc((size_t)bursts, sizeof *shim);
	double *ratio = bench_xcalloc((size_t)bursts, sizeof *ratio);
	burst(native_lock, native_unlock, iters);       /* warm-up: the shim learns the order */
	burst(shim_lock, shim_unlock, iters);
	for (int b = 0; b < bursts; b++) {
		/* Alternate which side goes first, so neither always follows the other. */
		if (b & 1) {
			shim[b] = burst(shim_lock, shim_unlock, iters);
			native[b] = burst(native_lock, native_unlock, iters);
		} else {
			native[b] = burst(native_lock, native_unlock, iters);
			shim[b] = burst(shim_lock, shim_unlock, iters);
		}
		ratio[b] = shim[b] / native[b];
	}
	double r = median_of(ratio, bursts);
	double q1 = ratio[bursts / 4], q3 = ratio[3 * bursts / 4];
	printf("bursts=%d iters=%ld native_ns=%.3f shim_ns=%.3f ratio=%.4f q1=%.4f q3=%.4f\n", bursts, iters,
	       median_of(native, bursts), median_of(shim, bursts), r, q1, q3);
	return 0;
}
