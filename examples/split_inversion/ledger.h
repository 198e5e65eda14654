/* ledger: a shared library with two locks of its own (see ledger.c). */
#ifndef LEDGER_H
#define LEDGER_H

/* Post an entry: takes the journal lock, then the audit lock to log it. */
long ledger_post(long amount);
/* Reconcile: takes the audit lock, then the journal lock to read the balance. */
long ledger_reconcile(void);

#endif
