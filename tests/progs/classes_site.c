/* Lock classes (COFFMAN_CLASSES=site): accounts and ledgers are objects whose mutex is initialised in
 * their constructor, so every account's lock is one class and every ledger's another.
 *   same-class-one-thread   one thread transfers a->b, then b->a: instances of one class locked in
 *                           both orders, in one thread
 *   same-class-two-threads  the same, the second transfer in another thread
 *   classes-one-thread      account 1 then its ledger 1; later ledger 2 then account 2, in one
 *                           thread: a cycle between classes, on different instances
 *   classes-two-threads     account 1 then ledger 1; another thread ledger 1 then account 1: a cycle
 *                           between classes on one instance of each, in two threads
 *   mixed                   the bank's static lock then an account; later an account then the bank's
 *                           lock: one class and one plain lock
 *   hierarchy               accounts always locked in address order (clean: a consistent order)
 *   recycled                a then b; both destroyed and freed; two new accounts in the same memory
 *                           (the allocator hands it back the other way round), their mutexes set
 *                           with PTHREAD_MUTEX_INITIALIZER (no init call), locked new-a then new-b
 *                           (clean: the old instances' order went with them) */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct account {
	pthread_mutex_t mu;
	long balance;
};

struct ledger {
	pthread_mutex_t mu;
	long entries;
};

static pthread_mutex_t bank_lock = PTHREAD_MUTEX_INITIALIZER;

static struct account *account_new(void)
{
	struct account *a = malloc(sizeof *a);  /* malloc: reuses a freed account's memory at once */
	memset(a, 0, sizeof *a);
	pthread_mutex_init(&a->mu, NULL); /* classes: account class */
	return a;
}

static struct ledger *ledger_new(void)
{
	struct ledger *l = calloc(1, sizeof *l);
	pthread_mutex_init(&l->mu, NULL); /* classes: ledger class */
	return l;
}

static void transfer(struct account *from, struct account *to, long n)
{
	pthread_mutex_lock(&from->mu); /* classes: transfer holds from */
	pthread_mutex_lock(&to->mu); /* classes: transfer takes to */
	from->balance -= n;
	to->balance += n;
	pthread_mutex_unlock(&to->mu);
	pthread_mutex_unlock(&from->mu);
}

static void post(struct account *a, struct ledger *l)
{
	pthread_mutex_lock(&a->mu); /* classes: post holds account */
	pthread_mutex_lock(&l->mu); /* classes: post takes ledger */
	l->entries++;
	pthread_mutex_unlock(&l->mu);
	pthread_mutex_unlock(&a->mu);
}

static void audit(struct ledger *l, struct account *a)
{
	pthread_mutex_lock(&l->mu); /* classes: audit holds ledger */
	pthread_mutex_lock(&a->mu); /* classes: audit takes account */
	l->entries += a->balance != 0;
	pthread_mutex_unlock(&a->mu);
	pthread_mutex_unlock(&l->mu);
}

static void bank_then_account(struct account *a)
{
	pthread_mutex_lock(&bank_lock);
	pthread_mutex_lock(&a->mu); /* classes: bank then account */
	pthread_mutex_unlock(&a->mu);
	pthread_mutex_unlock(&bank_lock);
}

static void account_then_bank(struct account *a)
{
	pthread_mutex_lock(&a->mu);
	pthread_mutex_lock(&bank_lock); /* classes: account then bank */
	pthread_mutex_unlock(&bank_lock);
	pthread_mutex_unlock(&a->mu);
}

/* An account whose mutex is statically initialised: not a member of the class, a lock of its own. */
static struct account *account_new_plain(void)
{
	struct account *a = malloc(sizeof *a);
	memset(a, 0, sizeof *a);
	a->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	return a;
}

static void account_free(struct account *a)
{
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static struct account *acc[3];
static struct ledger *led[2];

static void *transfer_back(void *arg)
{
	(void)arg;
	transfer(acc[1], acc[0], 1);
	return NULL;
}

static void *audit_first(void *arg)
{
	(void)arg;
	audit(led[0], acc[0]);
	return NULL;
}

static void in_thread(void *(*fn)(void *))
{
	pthread_t th;
	pthread_create(&th, NULL, fn, NULL);
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	for (int i = 0; i < 3; i++)
		acc[i] = account_new();
	for (int i = 0; i < 2; i++)
		led[i] = ledger_new();
	if (strcmp(mode, "same-class-one-thread") == 0) {
		transfer(acc[0], acc[1], 1);
		transfer(acc[1], acc[0], 1);
	} else if (strcmp(mode, "same-class-two-threads") == 0) {
		transfer(acc[0], acc[1], 1);
		in_thread(transfer_back);
	} else if (strcmp(mode, "classes-one-thread") == 0) {
		post(acc[0], led[0]);
		audit(led[1], acc[1]);
	} else if (strcmp(mode, "classes-two-threads") == 0) {
		post(acc[0], led[0]);
		in_thread(audit_first);
	} else if (strcmp(mode, "mixed") == 0) {
		bank_then_account(acc[0]);
		account_then_bank(acc[1]);
	} else if (strcmp(mode, "hierarchy") == 0) {
		struct account *lo[3];
		memcpy(lo, acc, sizeof lo);
		for (int i = 0; i < 3; i++)     /* sort by address: the usual total order on instances */
			for (int j = i + 1; j < 3; j++)
				if (lo[j] < lo[i]) {
					struct account *t = lo[i];
					lo[i] = lo[j];
					lo[j] = t;
				}
		transfer(lo[0], lo[1], 1);
		transfer(lo[1], lo[2], 1);
		transfer(lo[0], lo[2], 1);
	} else if (strcmp(mode, "recycled") == 0) {
		uintptr_t old0 = (uintptr_t)acc[0], old1 = (uintptr_t)acc[1];
		transfer(acc[0], acc[1], 1);
		account_free(acc[0]);
		account_free(acc[1]);
		struct account *again = account_new_plain(), *other = account_new_plain();
		printf("classes_site: addresses reused the other way round: %s\n",
		       (uintptr_t)again == old1 && (uintptr_t)other == old0 ? "yes" : "no");
		transfer(again, other, 1);
	} else {
		fprintf(stderr, "usage: classes_site MODE\n");
		return 2;
	}
	printf("classes_site: %s done\n", mode);
	return 0;
}
