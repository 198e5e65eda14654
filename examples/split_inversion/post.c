/*
 * post: one test of the split_inversion example (see ledger.c): posts three entries through
 * libledger.  Alone it takes journal_lock -> audit_lock only: clean.
 */
#include "ledger.h"

#include <stdio.h>

int main(void)
{
	long balance = 0;
	for (long i = 1; i <= 3; i++)
		balance = ledger_post(i * 100);
	printf("post: balance %ld\n", balance);
	return balance == 600 ? 0 : 1;
}
