/*
 * ledger: libledger.so, a small shared library with two locks of its own, the journal lock and the
 * audit lock.  Two code paths take both, in opposite orders:
 *
 *   ledger_post()       journal_lock, then audit_lock (an entry is journalled, then audited)
 *   ledger_reconcile()  audit_lock, then journal_lock (the audit trail is checked against the journal)
 *
 * Each of the two test programs, post.c and reconcile.c, exercises one path only, so each is clean on
 * its own: no single process ever sees both orders.  A program that calls both from two threads can
 * deadlock.  Only the merged graph of the two processes shows it (examples/verdicts:
 * split_inversion, `coffman-graph cycles`).
 */
#include "ledger.h"

#include <pthread.h>

static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static long balance, audited;

long ledger_post(long amount)
{
	pthread_mutex_lock(&journal_lock);
	balance += amount;
	pthread_mutex_lock(&audit_lock);        /* ledger: journal -> audit */
	audited++;
	pthread_mutex_unlock(&audit_lock);
	long now = balance;
	pthread_mutex_unlock(&journal_lock);
	return now;
}

long ledger_reconcile(void)
{
	pthread_mutex_lock(&audit_lock);
	pthread_mutex_lock(&journal_lock);      /* ledger: audit -> journal */
	long diff = balance - audited;
	pthread_mutex_unlock(&journal_lock);
	pthread_mutex_unlock(&audit_lock);
	return diff;
}
