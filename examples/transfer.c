/*
 * transfer: moving money between two bank accounts, each guarded by its own
 * mutex.  transfer(from, to) locks the source account, then the destination
 * account, i.e. in argument order.  One thread pays from account A to
 * account B; afterwards another thread pays from B back to A.  The second
 * thread only starts after the first has finished, so this run completes.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt (the bank of section 9.2, one mutex
 * per balance) combined with the printSum lock-order deadlock of
 * seeds/001_518e47ce9874e2a8.txt.
 *
 * Expected verdict: lock-order-inversion.  The first transfer records
 * account_a_lock -> account_b_lock, the second account_b_lock ->
 * account_a_lock.  Had the two transfers overlapped, each could hold its
 * source account and wait forever for the other's.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

struct account {
	const char *owner;
	pthread_mutex_t *lock;  /* guards balance */
	long balance;
};

static pthread_mutex_t account_a_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t account_b_lock = PTHREAD_MUTEX_INITIALIZER;
static struct account account_a = { "Alice", &account_a_lock, 500 };
static struct account account_b = { "Bob", &account_b_lock, 300 };

struct payment {
	struct account *from;
	struct account *to;
	long amount;
};

/* Locks in argument order: from, then to.  That order is the bug. */
static int transfer(struct account *from, struct account *to, long amount)
{
	int ok = 0;
	pthread_mutex_lock(from->lock);
	pthread_mutex_lock(to->lock);
	if (from->balance >= amount) {
		from->balance -= amount;
		to->balance += amount;
		ok = 1;
	}
	pthread_mutex_unlock(to->lock);
	pthread_mutex_unlock(from->lock);
	return ok;
}

static void *teller(void *arg)
{
	struct payment *p = arg;
	int ok = transfer(p->from, p->to, p->amount);
	printf("%s pays %s %ld: %s\n", p->from->owner, p->to->owner, p->amount, ok ? "done" : "refused");
	return NULL;
}

static int run_teller(struct payment *p, const char *name)
{
	pthread_t th;
	if (pthread_create(&th, NULL, teller, p) != 0) {
		perror("pthread_create");
		return -1;
	}
	pthread_setname_np(th, name);
	return pthread_join(th, NULL);
}

int main(void)
{
	struct payment rent = { &account_a, &account_b, 120 };
	struct payment refund = { &account_b, &account_a, 20 };
	if (run_teller(&rent, "teller-a-to-b") != 0 || run_teller(&refund, "teller-b-to-a") != 0)
		return 1;
	printf("balances: %s %ld, %s %ld\n", account_a.owner, account_a.balance,
	       account_b.owner, account_b.balance);
	return 0;
}
