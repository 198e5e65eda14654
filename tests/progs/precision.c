/* Scenarios for the precision rules of lock-order reports.  argv[1] picks one:
 *   gated       two threads take A,B and B,A, but always inside the same outer gate lock
 *   ungated     the same without the gate (a real inversion, threads running at the same time)
 *   gated_later as gated; then a third thread takes A,B without the gate: it can deadlock with the
 *               thread that takes B,A under the gate, so the cycle, safe until then, is reported
 *   two_gates   as gated; then a third thread takes A,B inside another outer lock: no common gate
 *   single      one thread takes A then B, later B then A
 *   shortest    edges A->B->C->D and A->D exist; then D->A closes both a 4- and a 2-lock cycle
 *   classes     two account objects and two ledger objects: post() locks account then ledger,
 *               audit() locks another ledger then another account (instances differ)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t other_gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_running;
static int use_gate;

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	pthread_mutex_lock(outer);
	pthread_mutex_lock(inner); /* nest: inner */
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
}

static void *a_then_b(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&both_running);
	for (int i = 0; i < 100; i++) {
		if (use_gate)
			pthread_mutex_lock(&gate_lock);
		nest(&lock_a, &lock_b);
		if (use_gate)
			pthread_mutex_unlock(&gate_lock);
	}
	pthread_barrier_wait(&both_running);
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&both_running);
	for (int i = 0; i < 100; i++) {
		if (use_gate)
			pthread_mutex_lock(&gate_lock);
		nest(&lock_b, &lock_a);
		if (use_gate)
			pthread_mutex_unlock(&gate_lock);
	}
	pthread_barrier_wait(&both_running);
	return NULL;
}

static void two_threads(void)
{
	pthread_t t1, t2;
	pthread_barrier_init(&both_running, NULL, 2);
	pthread_create(&t1, NULL, a_then_b, NULL);
	pthread_create(&t2, NULL, b_then_a, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
}

/* After the gated pair: A,B once more, under another outer lock or none. */
static void *late_a_then_b(void *arg)
{
	pthread_mutex_t *gate = arg;
	if (gate)
		pthread_mutex_lock(gate);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b); /* late: a then b */
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	if (gate)
		pthread_mutex_unlock(gate);
	return NULL;
}

struct account { pthread_mutex_t lock; long balance; };
struct ledger { pthread_mutex_t lock; long entries; };

static __attribute__((noinline)) struct account *account_new(void)
{
	struct account *a = calloc(1, sizeof *a);
	pthread_mutex_init(&a->lock, NULL); /* class: account */
	return a;
}

static __attribute__((noinline)) struct ledger *ledger_new(void)
{
	struct ledger *l = calloc(1, sizeof *l);
	pthread_mutex_init(&l->lock, NULL); /* class: ledger */
	return l;
}

static __attribute__((noinline)) void post(struct account *a, struct ledger *l)
{
	pthread_mutex_lock(&a->lock);
	pthread_mutex_lock(&l->lock); /* post: ledger */
	l->entries++;
	pthread_mutex_unlock(&l->lock);
	pthread_mutex_unlock(&a->lock);
}

static __attribute__((noinline)) void audit(struct ledger *l, struct account *a)
{
	pthread_mutex_lock(&l->lock);
	pthread_mutex_lock(&a->lock); /* audit: account */
	a->balance++;
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_unlock(&l->lock);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	if (strcmp(what, "gated") == 0 || strcmp(what, "ungated") == 0) {
		use_gate = strcmp(what, "gated") == 0;
		two_threads();
	} else if (strcmp(what, "gated_later") == 0 || strcmp(what, "two_gates") == 0) {
		use_gate = 1;
		two_threads();
		pthread_t t;
		pthread_create(&t, NULL, late_a_then_b, strcmp(what, "two_gates") == 0 ? &other_gate : NULL);
		pthread_join(t, NULL);
	} else if (strcmp(what, "single") == 0) {
		nest(&lock_a, &lock_b);
		nest(&lock_b, &lock_a);
	} else if (strcmp(what, "shortest") == 0) {
		nest(&lock_a, &lock_b);
		nest(&lock_b, &lock_c);
		nest(&lock_c, &lock_d);
		nest(&lock_a, &lock_d);
		nest(&lock_d, &lock_a); /* closes a->d->a and a->b->c->d->a */
	} else if (strcmp(what, "classes") == 0) {
		struct account *a1 = account_new(), *a2 = account_new();
		struct ledger *l1 = ledger_new(), *l2 = ledger_new();
		post(a1, l1);
		audit(l2, a2);
	} else {
		fprintf(stderr, "usage: precision gated|ungated|gated_later|two_gates|single|shortest|classes\n");
		return 2;
	}
	puts("done");
	return 0;
}
