/* session_close: a session object is torn down while its lock is still held.
 *
 * Scenario: close_session() locks the session to mark it closing, then calls free_session(), which
 * destroys the mutex and frees the memory — without the unlock that the early-return path skipped.
 * glibc refuses to destroy a locked mutex (EBUSY) and the program never looks at the result, so
 * natively nothing is visible; the memory is freed with the lock still held.
 *
 * Expected verdict: destroy-locked (coffman reports it and the program continues).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct session {
	pthread_mutex_t lock;   /* guards users and closing */
	int users;
	int closing;
};

static struct session *open_session(void)
{
	struct session *s = calloc(1, sizeof *s);
	if (!s)
		exit(1);
	pthread_mutex_init(&s->lock, NULL);
	s->users = 1;
	return s;
}

static void free_session(struct session *s)
{
	pthread_mutex_destroy(&s->lock);        /* BUG: still locked by close_session() */
	free(s);
}

static void close_session(struct session *s)
{
	pthread_mutex_lock(&s->lock);
	s->closing = 1;
	if (--s->users == 0) {
		free_session(s);                /* early path: forgets to unlock first */
		return;
	}
	pthread_mutex_unlock(&s->lock);
}

int main(void)
{
	struct session *s = open_session();
	close_session(s);
	puts("session closed");
	return 0;
}
