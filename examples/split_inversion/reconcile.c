/*
 * reconcile: the other test of the split_inversion example (see ledger.c): reconciles the (empty)
 * ledger.  Alone it takes audit_lock -> journal_lock only: clean.
 */
#include "ledger.h"

#include <stdio.h>

int main(void)
{
	long diff = ledger_reconcile();
	printf("reconcile: difference %ld\n", diff);
	return diff == 0 ? 0 : 1;
}
