/* unwind_memo: captures from one place, again and again, and then from the same place with the same
 * stack pointer but another caller (tests/unwind_memo.sh).  The stack walk's memo (shim/deps_unwind.c)
 * answers the repeats; it must not answer the other caller's capture with the first caller's stack.
 *
 * from_left and from_right have the same frame, so take_pair runs at the same stack pointer under
 * either, and its captures start from the same pc and stack pointer: only the return address into
 * from_left or from_right tells them apart.  Two inversions then close a report on each pair. */
#include <pthread.h>
#include <stdio.h>

#define RUN 64

static pthread_mutex_t left_a = PTHREAD_MUTEX_INITIALIZER, left_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t right_c = PTHREAD_MUTEX_INITIALIZER, right_d = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t run[RUN + 1];
/* Read through a volatile: no copy of from_right specialised for its constant arguments. */
static pthread_mutex_t *volatile named[4] = { &left_a, &left_b, &right_c, &right_d };

static __attribute__((noinline)) void take_pair(pthread_mutex_t *x, pthread_mutex_t *y)
{
	pthread_mutex_lock(x);
	pthread_mutex_lock(y); /* memo: edge */
	pthread_mutex_unlock(y);
	pthread_mutex_unlock(x);
}

static __attribute__((noinline)) void from_left(pthread_mutex_t *x, pthread_mutex_t *y)
{
	take_pair(x, y); /* memo: left */
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void from_right(pthread_mutex_t *x, pthread_mutex_t *y)
{
	take_pair(x, y); /* memo: right */
	__asm__ volatile("nop" ::: "memory");  /* not identical to from_left: the compiler would fold them */
}

int main(void)
{
	/* A run of new edges from one place: the memo's repeats. */
	for (int i = 0; i <= RUN; i++)
		pthread_mutex_init(&run[i], NULL);
	for (int i = 0; i < RUN; i++)
		from_left(&run[i], &run[i + 1]);
	from_left(named[0], named[1]);
	from_right(named[2], named[3]);
	take_pair(&left_b, &left_a);
	take_pair(&right_d, &right_c);
	printf("unwind_memo: done\n");
	return 0;
}
