/* A plugin for api_dlopen, built by tests/frames_nodebug.sh twice from this one file: with -g (kept
 * aside, as a -dbgsym package would be) and stripped of everything but its exported symbols (as a
 * distribution ships it).  ledger_post takes the two ledger locks in the order its argument says; the
 * main thread posts forwards, a thread started here backwards: a lock-order inversion inside a
 * library without debug info.  The locks live on the heap (no data symbol names them) and are
 * initialised in ledger_open; poster_thread is static, so the stripped library has no name for it. */
#include <pthread.h>
#include <stdlib.h>

struct ledger {
	pthread_mutex_t journal_lock;
	pthread_mutex_t balance_lock;
	long entries;
};

static struct ledger *ledger;

void ledger_open(void);
void ledger_post(int backwards);
int plugin_run(void);

void ledger_open(void)
{
	ledger = calloc(1, sizeof *ledger);
	pthread_mutex_init(&ledger->journal_lock, NULL); /* frames: init journal */
	pthread_mutex_init(&ledger->balance_lock, NULL); /* frames: init balance */
}

void ledger_post(int backwards)
{
	pthread_mutex_t *first = backwards ? &ledger->balance_lock : &ledger->journal_lock;
	pthread_mutex_t *second = backwards ? &ledger->journal_lock : &ledger->balance_lock;
	pthread_mutex_lock(first); /* frames: first lock */
	pthread_mutex_lock(second); /* frames: second lock */
	ledger->entries++;
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static void *poster_thread(void *arg)
{
	(void)arg;
	ledger_post(1); /* frames: thread posts backwards */
	return NULL;
}

int plugin_run(void)
{
	ledger_open();
	ledger_post(0);
	pthread_t th;
	pthread_create(&th, NULL, poster_thread, NULL);
	pthread_join(th, NULL);
	return (int)ledger->entries;
}
