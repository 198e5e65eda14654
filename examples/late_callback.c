/* late_callback: a callback runs after the connection it belongs to was closed.
 *
 * Scenario: conn_close() destroys the connection's lock (the object itself is kept on a free list, so
 * the memory stays valid).  A completion callback queued before the close runs afterwards on its own
 * thread and locks conn->lock to record the result.  glibc refuses a destroyed mutex with EINVAL; the
 * callback does not check, updates the counter without any lock and "unlocks" (EINVAL again).
 * Natively nothing is visible — until two callbacks race on the unprotected counter.
 *
 * Expected verdict: use-after-destroy (coffman reports it and the program continues).
 */
#include <pthread.h>
#include <stdio.h>

struct conn {
	pthread_mutex_t lock;           /* guards completed */
	int completed;
	int open;
};

static struct conn the_conn;

static void conn_open(struct conn *c)
{
	pthread_mutex_init(&c->lock, NULL);
	c->open = 1;
}

static void conn_close(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->open = 0;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_destroy(&c->lock);        /* pending callbacks are not cancelled first */
}

static void *on_complete(void *arg)
{
	struct conn *c = arg;
	pthread_mutex_lock(&c->lock);           /* BUG: the lock was destroyed by conn_close() */
	c->completed++;
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int main(void)
{
	conn_open(&the_conn);
	conn_close(&the_conn);
	pthread_t th;                           /* the completion arrives late */
	pthread_create(&th, NULL, on_complete, &the_conn);
	pthread_join(th, NULL);
	printf("completed %d\n", the_conn.completed);
	return 0;
}
