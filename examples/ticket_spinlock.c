/*
 * ticket_spinlock: the bank of examples/transfer.c, with each account
 * guarded by a hand-written ticket spinlock on C11 atomics instead of a
 * pthread mutex.  coffman cannot see such a lock (no pthread call is made):
 * the lock functions tell it what happens through <coffman/annotate.h>.
 *
 * transfer(from, to) locks the source account, then the destination
 * account.  One thread pays from A to B; afterwards another thread pays
 * from B back to A.  The second thread starts only after the first has
 * finished, so this run completes.
 *
 * Expected verdict: lock-order-inversion, between the two ticket spinlocks,
 * found only because they are annotated (compile with
 * -DCOFFMAN_ANNOTATE_DISABLE and coffman reports nothing).  Had the two
 * transfers overlapped, each thread could spin forever on the other's lock.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <coffman/annotate.h>

/* A ticket lock: take a number, wait until it is served.  FIFO-fair, and unlike a pthread mutex,
 * invisible to a checker that interposes pthread. */
struct ticket_lock {
	atomic_uint next;       /* the next ticket handed out */
	atomic_uint serving;    /* the ticket now allowed in */
};

static void ticket_init(struct ticket_lock *l)
{
	atomic_init(&l->next, 0);
	atomic_init(&l->serving, 0);
	COFFMAN_LOCK_CREATED(l, "ticket spinlock", 0);
}

static void ticket_lock(struct ticket_lock *l)
{
	COFFMAN_LOCK_ACQUIRING(l, 0);
	unsigned me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
	if (atomic_load_explicit(&l->serving, memory_order_acquire) != me) {
		COFFMAN_LOCK_WAIT_BEGIN(l);
		while (atomic_load_explicit(&l->serving, memory_order_acquire) != me)
			;
		COFFMAN_LOCK_WAIT_END(l);
	}
	COFFMAN_LOCK_ACQUIRED(l, 0);
}

static void ticket_unlock(struct ticket_lock *l)
{
	COFFMAN_LOCK_RELEASING(l, 0);
	atomic_fetch_add_explicit(&l->serving, 1, memory_order_release);
}

struct account {
	struct ticket_lock lock;        /* guards balance */
	const char *owner;
	long balance;
};

static struct account account_a = { .owner = "Alice", .balance = 500 };
static struct account account_b = { .owner = "Bob", .balance = 300 };

struct payment {
	struct account *from;
	struct account *to;
	long amount;
};

/* Locks in argument order: from, then to.  That order is the bug. */
static int transfer(struct account *from, struct account *to, long amount)
{
	int ok = 0;
	ticket_lock(&from->lock);
	ticket_lock(&to->lock);
	if (from->balance >= amount) {
		from->balance -= amount;
		to->balance += amount;
		ok = 1;
	}
	ticket_unlock(&to->lock);
	ticket_unlock(&from->lock);
	return ok;
}

static void *teller(void *arg)
{
	struct payment *p = arg;
	int ok = transfer(p->from, p->to, p->amount);
	printf("%s pays %s %ld: %s\n", p->from->owner, p->to->owner, p->amount, ok ? "done" : "refused");
	return NULL;
}

static int run_teller(struct payment *p)
{
	pthread_t th;
	if (pthread_create(&th, NULL, teller, p) != 0) {
		perror("pthread_create");
		return -1;
	}
	return pthread_join(th, NULL);
}

int main(void)
{
	ticket_init(&account_a.lock);
	ticket_init(&account_b.lock);
	struct payment rent = { &account_a, &account_b, 120 };
	struct payment refund = { &account_b, &account_a, 20 };
	if (run_teller(&rent) != 0 || run_teller(&refund) != 0)
		return 1;
	printf("balances: %s %ld, %s %ld\n", account_a.owner, account_a.balance,
	       account_b.owner, account_b.balance);
	return 0;
}
