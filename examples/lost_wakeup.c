/*
 * lost_wakeup: a condition variable used as if it were an event that
 * remembers having been signalled.  The postman thread locks mailbox_lock,
 * signals mail_cond ("you've got mail") and leaves; only afterwards does main
 * go to wait for the mail, calling pthread_cond_wait() with no predicate to
 * check.  The signal was delivered to nobody and is gone, so main waits
 * forever.  A "ticker" thread keeps running (it sleeps one second at a time
 * forever), so the process is never in the state "all threads blocked".
 *
 * Seed: seeds/001_518e47ce9874e2a8.txt (sync.Cond: Wait must be called in a
 * loop that checks the condition; Signal/Broadcast wake only current
 * waiters) and the lazy-initialisation discussion of
 * seeds/003_37c9db461cc6681c.txt section 9.5.
 *
 * Expected verdict: hang, with the watchdog on (--watchdog=1).  No lock is
 * held by a blocked thread and no wait-for cycle exists; main simply stays in
 * the condition wait past the limit, and the watchdog reports it and ends the
 * process with 66.  Natively the program hangs forever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t mailbox_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mail_cond = PTHREAD_COND_INITIALIZER;
static const char *mailbox;

static void *ticker(void *arg)
{
	(void)arg;
	for (;;)
		sleep(1);       /* alive, but never blocked on a lock, condition or join */
	return NULL;
}

static void deliver_mail(void)
{
	pthread_mutex_lock(&mailbox_lock);
	mailbox = "a postcard";
	pthread_cond_signal(&mail_cond);        /* nobody is waiting yet: lost */
	pthread_mutex_unlock(&mailbox_lock);
}

static void *postman(void *arg)
{
	(void)arg;
	deliver_mail();
	return NULL;
}

/* BUG: waits unconditionally instead of "while (!mailbox) wait". */
static const char *wait_for_mail(void)
{
	pthread_mutex_lock(&mailbox_lock);
	pthread_cond_wait(&mail_cond, &mailbox_lock);
	const char *m = mailbox;
	pthread_mutex_unlock(&mailbox_lock);
	return m;
}

int main(void)
{
	pthread_t tick, post;
	if (pthread_create(&tick, NULL, ticker, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(tick, "ticker");
	if (pthread_create(&post, NULL, postman, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(post, "postman");
	pthread_join(post, NULL);       /* the signal has certainly been sent */

	printf("got %s\n", wait_for_mail());
	return 0;
}
