/* Locks made through a library's wrapper (tests/progs/wrapper_lib.c): a pool of twenty from one loop
 * first, then an account's and a ledger's, each initialised by lib_mutex_init; and twenty journals the
 * library makes itself, from one call here.
 *
 *   wrapper_locks ab     journal 0 -> account, account -> ledger, the last journal -> ledger
 *   wrapper_locks ba     ledger -> account
 *   wrapper_locks both   ab, then ba: one lock-order inversion in this process
 *   wrapper_locks cross  account -> ledger, then another ledger -> another account: an inversion
 *                        between classes (--classes=site), none between locks
 *   wrapper_locks late   no pool: an account, nested in a journal; libm loaded and unloaded; then a
 *                        ledger, and account -> ledger (the account's class is named at the dlclose,
 *                        before the wrapper's second caller)
 * WRAPPER_JOURNALS=N makes N journals (at most 300), not twenty.  (Built by tests/graphs_wrapper.sh
 * against libwrapper_lib.so, and with wrapper_lib.c linked in.) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lib_mutex_init(pthread_mutex_t *m);
struct journal *journal_new(void);
pthread_mutex_t *journal_lock(struct journal *j);

/* On the heap: a static lock's class is its symbol, whatever made it. */
static pthread_mutex_t *account, *ledger;
#define JOURNALS_MAX 300
static struct journal *journals[JOURNALS_MAX];
static int njournals = 20;

static __attribute__((noinline)) pthread_mutex_t *make_account(void)
{
	pthread_mutex_t *m = malloc(sizeof *m);
	if (m)
		lib_mutex_init(m);      /* wrapped: account */
	return m;
}

static __attribute__((noinline)) pthread_mutex_t *make_ledger(void)
{
	pthread_mutex_t *m = malloc(sizeof *m);
	if (m)
		lib_mutex_init(m);      /* wrapped: ledger */
	return m;
}

/* Twenty locks through the wrapper from one loop first, as libdbus makes its global locks: the
 * wrapper's other callers come later, and are told apart all the same. */
static pthread_mutex_t pool[20];

static __attribute__((noinline)) void make_pool(void)
{
	for (int i = 0; i < 20; i++)
		lib_mutex_init(&pool[i]);
}

static __attribute__((noinline)) void make_journals(void)
{
	for (int i = 0; i < njournals; i++)
		journals[i] = journal_new();    /* journals: one caller */
}

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	pthread_mutex_lock(outer);
	pthread_mutex_lock(inner);
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
}

/* Every dlclose resolves the classes seen so far, the account's among them, while the wrapper has
 * had one caller only; the ledger's caller comes after. */
static int late(void)
{
	make_journals();
	account = make_account();
	if (!journals[0] || !account)
		return 1;
	nest(journal_lock(journals[0]), account);
	void *h = dlopen("libm.so.6", RTLD_NOW);
	if (h)
		dlclose(h);
	ledger = make_ledger();
	if (!ledger)
		return 1;
	nest(account, ledger);
	printf("wrapper_locks: late done%s\n", h ? "" : " (no libm)");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "both";
	const char *nj = getenv("WRAPPER_JOURNALS");
	if (nj && atoi(nj) > 0)
		njournals = atoi(nj) < JOURNALS_MAX ? atoi(nj) : JOURNALS_MAX;
	if (strcmp(mode, "late") == 0)
		return late();
	make_pool();
	make_journals();
	account = make_account();
	ledger = make_ledger();
	if (!journals[0] || !journals[njournals - 1] || !account || !ledger)
		return 1;
	if (strcmp(mode, "ab") == 0 || strcmp(mode, "both") == 0) {
		nest(journal_lock(journals[0]), account);
		nest(account, ledger);
		nest(journal_lock(journals[njournals - 1]), ledger);
	}
	if (strcmp(mode, "ba") == 0 || strcmp(mode, "both") == 0)
		nest(ledger, account);
	if (strcmp(mode, "cross") == 0) {
		pthread_mutex_t *account2 = make_account(), *ledger2 = make_ledger();
		if (!account2 || !ledger2)
			return 1;
		nest(account, ledger);
		nest(ledger2, account2);
	}
	printf("wrapper_locks: %s done\n", mode);
	return 0;
}
