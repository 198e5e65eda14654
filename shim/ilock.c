/* futex lock in the three-state form (free / held / held-with-waiters): an uncontended release makes
 * no system call. */
#include "ilock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

static void futex_wait(atomic_int *word, int expected)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_one(atomic_int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

__thread int ilock_depth __attribute__((tls_model("initial-exec")));

void ilock_acquire(struct ilock *l)
{
	ilock_depth++;          /* first: a signal that lands from here on sees the thread as inside */
	int expected = 0;
	if (atomic_compare_exchange_strong(&l->state, &expected, 1))
		return;
	if (expected != 2)
		expected = atomic_exchange(&l->state, 2);
	while (expected != 0) {
		futex_wait(&l->state, 2);
		expected = atomic_exchange(&l->state, 2);
	}
}

void ilock_release(struct ilock *l)
{
	if (atomic_exchange(&l->state, 0) == 2)
		futex_wake_one(&l->state);
	ilock_depth--;
}

void ilock_reset(struct ilock *l)
{
	if (atomic_exchange(&l->state, 0) != 0 && ilock_depth > 0)
		ilock_depth--;
}
