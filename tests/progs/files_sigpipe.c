/* A bad unlock (reported, the program goes on) while coffman's stderr is a pipe whose reader is gone.
 * Usage: files_sigpipe plain|blocked|own
 *   plain    SIGPIPE at its default action: the report's write must not kill the program
 *   blocked  the program blocks SIGPIPE: no SIGPIPE of coffman's may be left pending for it
 *   own      the program blocks SIGPIPE and has one pending of its own: it must still be pending
 * Prints what it sees on stdout. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "plain";
	sigset_t pipe_only, pending;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	if (strcmp(mode, "plain") != 0)
		pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
	if (strcmp(mode, "own") == 0)
		raise(SIGPIPE);
	pthread_mutex_unlock(&never_locked); /* BAD-UNLOCK */
	printf("files_sigpipe: survived the report\n");
	sigpending(&pending);
	printf("files_sigpipe: SIGPIPE %s\n", sigismember(&pending, SIGPIPE) ? "pending" : "not pending");
	return 0;
}
