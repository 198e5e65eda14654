/* api_wdlast: the program's last thread ends with pthread_exit (or a return from its start routine)
 * after the process had a second thread, so the watchdog thread is running: natively the process then
 * exits 0 at once (glibc's exit(0) as its last thread finishes).
 * Usage: api_wdlast MODE
 *   main     main creates and joins a thread, then calls pthread_exit
 *   forked   a worker forks; the child (CPython's os.fork() from a thread) creates and joins a thread,
 *            then returns from the worker's start routine; the parent prints the child's status */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *noop(void *arg)
{
	pthread_mutex_lock(&m);
	pthread_mutex_unlock(&m);
	return arg;
}

static void second_thread(void)
{
	pthread_t t;
	pthread_create(&t, NULL, noop, NULL);
	pthread_join(t, NULL);
}

static void *worker(void *arg)
{
	(void)arg;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		second_thread();
		return NULL;    /* the child's last thread ends: the child exits 0 */
	}
	int st = -1;
	waitpid(pid, &st, 0);
	printf("api_wdlast: child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "main") == 0) {
		second_thread();
		printf("api_wdlast: main ends\n");
		fflush(stdout);
		pthread_exit(NULL);     /* the last thread ends: the process exits 0 */
	}
	if (strcmp(mode, "forked") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, worker, NULL);
		pthread_join(t, NULL);
		return 0;
	}
	fprintf(stderr, "api_wdlast: unknown mode '%s'\n", mode);
	return 2;
}
