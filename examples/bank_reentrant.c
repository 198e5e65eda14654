/*
 * bank_reentrant: a bank whose single mutex guards the balance.  withdraw()
 * wants to be atomic, so it takes the lock around the whole operation, but it
 * does the work by calling the public deposit(), which takes the same lock
 * again.  POSIX default mutexes are not re-entrant: the second lock waits for
 * the first, held by the very same thread, forever.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.2 (Withdraw calling Deposit
 * while holding mu; "mutex locks are not re-entrant"), also seeds/002.
 *
 * Expected verdict: double-lock.  The thread already holds balance_lock when
 * deposit() asks for it again; the checker reports the self-deadlock and ends
 * the process with the exit code (66) instead of letting it hang.  Natively
 * the program hangs in the first withdrawal.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

static pthread_mutex_t balance_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards balance */
static long balance;

static void deposit(long amount)
{
	pthread_mutex_lock(&balance_lock);
	balance += amount;
	pthread_mutex_unlock(&balance_lock);
}

static long current_balance(void)
{
	pthread_mutex_lock(&balance_lock);
	long b = balance;
	pthread_mutex_unlock(&balance_lock);
	return b;
}

/* BUG: holds balance_lock while calling deposit(), which locks it again. */
static bool withdraw(long amount)
{
	pthread_mutex_lock(&balance_lock);
	deposit(-amount);
	if (balance < 0) {
		deposit(amount);        /* insufficient funds: undo */
		pthread_mutex_unlock(&balance_lock);
		return false;
	}
	pthread_mutex_unlock(&balance_lock);
	return true;
}

static void *customer(void *arg)
{
	(void)arg;
	deposit(200);
	bool ok = withdraw(50);
	printf("withdraw 50: %s, balance now %ld\n", ok ? "ok" : "refused", current_balance());
	return NULL;
}

int main(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, customer, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(th, "customer");
	pthread_join(th, NULL);
	printf("final balance %ld\n", current_balance());
	return 0;
}
