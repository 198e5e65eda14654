/* Calls into debugframe_lib.c (CFI in .debug_frame only): "churn N" makes N new locks there, "cycle"
 * takes its two locks in both orders, and "nocfi" takes two locks in both orders through a frame with
 * no CFI at all (nocfi_call.S, a JIT stub's shape) called from an rsp-based frame.  See
 * tests/unwind_debugframe.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void df_forward(void);
void df_backward(void);
void df_churn(int n);
void nocfi_call(void (*fn)(void *), void *arg);

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void take_pair(void *arg)
{
	pthread_mutex_t **pair = arg;
	pthread_mutex_lock(pair[0]);
	pthread_mutex_lock(pair[1]);    /* take_pair: the inner lock */
	pthread_mutex_unlock(pair[1]);
	pthread_mutex_unlock(pair[0]);
}

/* An rsp-based frame (no frame pointer, a frame of its own) above the stub without CFI. */
__attribute__((noinline)) static void through_stub(pthread_mutex_t *x, pthread_mutex_t *y)
{
	volatile char pad[72];
	pthread_mutex_t *pair[2] = { x, y };
	pad[0] = 1;
	nocfi_call(take_pair, pair);    /* through_stub: the stub's call */
	pad[1] = pad[0];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "cycle";
	if (strcmp(mode, "churn") == 0) {
		df_churn(argc > 2 ? atoi(argv[2]) : 1000);      /* main: churn */
	} else if (strcmp(mode, "nocfi") == 0) {
		through_stub(&a, &b);   /* main: a then b */
		through_stub(&b, &a);   /* main: b then a */
	} else {
		df_forward();           /* main: forward */
		df_backward();          /* main: backward */
	}
	puts("debugframe: done");
	return 0;
}
