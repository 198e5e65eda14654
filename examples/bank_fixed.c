/*
 * bank_fixed: the corrected bank.  The real work lives in a private helper,
 * deposit_locked(), whose contract is "the caller holds balance_lock".  The
 * public operations deposit(), withdraw() and current_balance() each take the
 * lock exactly once and call the helper; withdraw() is atomic as a whole, so a
 * large refused withdrawal never makes the balance dip below zero for anyone
 * else.  Four depositor threads and four withdrawer threads run concurrently.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.2 (the fix: split Deposit
 * into an unexported deposit that assumes the lock is held).
 *
 * Expected verdict: clean.  One lock, never nested, always released by the
 * thread that took it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#define DEPOSITORS 4
#define WITHDRAWERS 4
#define ROUNDS 2000

static pthread_mutex_t balance_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards balance */
static long balance;

static atomic_long total_deposited;
static atomic_long total_withdrawn;
static atomic_int went_negative;

/* Requires balance_lock. */
static void deposit_locked(long amount)
{
	balance += amount;
	if (balance < 0)
		atomic_store(&went_negative, 1);
}

static void deposit(long amount)
{
	pthread_mutex_lock(&balance_lock);
	deposit_locked(amount);
	pthread_mutex_unlock(&balance_lock);
}

static bool withdraw(long amount)
{
	bool ok = true;
	pthread_mutex_lock(&balance_lock);
	if (balance >= amount)
		deposit_locked(-amount);
	else
		ok = false;
	pthread_mutex_unlock(&balance_lock);
	return ok;
}

static long current_balance(void)
{
	pthread_mutex_lock(&balance_lock);
	long b = balance;
	pthread_mutex_unlock(&balance_lock);
	return b;
}

static void *depositor(void *arg)
{
	long amount = (long)(size_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		deposit(amount);
		atomic_fetch_add(&total_deposited, amount);
	}
	return NULL;
}

static void *withdrawer(void *arg)
{
	long amount = (long)(size_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (withdraw(amount))
			atomic_fetch_add(&total_withdrawn, amount);
		(void)current_balance();        /* Bob checking his balance again */
	}
	return NULL;
}

int main(void)
{
	pthread_t th[DEPOSITORS + WITHDRAWERS];
	int n = 0;

	for (int i = 0; i < DEPOSITORS; i++, n++) {
		char name[32];
		if (pthread_create(&th[n], NULL, depositor, (void *)(size_t)(10 + i)) != 0) {
			perror("pthread_create");
			return 1;
		}
		snprintf(name, sizeof name, "depositor-%d", i);
		pthread_setname_np(th[n], name);
	}
	for (int i = 0; i < WITHDRAWERS; i++, n++) {
		char name[32];
		if (pthread_create(&th[n], NULL, withdrawer, (void *)(size_t)(15 + i)) != 0) {
			perror("pthread_create");
			return 1;
		}
		snprintf(name, sizeof name, "withdrawer-%d", i);
		pthread_setname_np(th[n], name);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);

	long expect = atomic_load(&total_deposited) - atomic_load(&total_withdrawn);
	long got = current_balance();
	printf("deposited %ld, withdrawn %ld, balance %ld\n",
	       atomic_load(&total_deposited), atomic_load(&total_withdrawn), got);
	if (got != expect || atomic_load(&went_negative)) {
		fprintf(stderr, "bank_fixed: books do not balance (expected %ld)\n", expect);
		return 1;
	}
	return 0;
}
