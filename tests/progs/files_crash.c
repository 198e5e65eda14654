/* A finding, then the process dies before exit() could run: the finding must be in the SARIF file.
 * Usage: files_crash abort|segv|_exit */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "abort";
	pthread_mutex_unlock(&never_locked); /* BAD-UNLOCK */
	fflush(stdout);
	if (strcmp(how, "segv") == 0)
		raise(SIGSEGV);
	else if (strcmp(how, "_exit") == 0)
		_exit(7);
	abort();
}
