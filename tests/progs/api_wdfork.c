/* A forked child that hangs on a lock: its holder thread blocks in read() on a pipe nobody writes, the
 * child's main thread waits for child_lock.  The parent waits for the child and prints its status.
 * Prints "api_wdfork: child PID" before the child hangs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t parent_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t child_holder_ready;
static int child_pipe[2];

static void *child_holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&child_lock);
	sem_post(&child_holder_ready);
	char c;
	ssize_t n = read(child_pipe[0], &c, 1); /* child holder: blocked in read */
	(void)n;
	pthread_mutex_unlock(&child_lock);
	return NULL;
}

static int child_main(void)
{
	pthread_t th;
	if (pipe(child_pipe) != 0)
		return 1;
	sem_init(&child_holder_ready, 0, 0);
	pthread_create(&th, NULL, child_holder, NULL);
	sem_wait(&child_holder_ready);
	pthread_mutex_lock(&child_lock); /* child main: waits forever */
	printf("api_wdfork: child not reached\n");
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pthread_mutex_lock(&parent_lock);
	pthread_mutex_unlock(&parent_lock);
	pid_t pid = fork();
	if (pid == 0)
		return child_main();
	printf("api_wdfork: child %d\n", (int)pid);
	int status;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status))
		printf("api_wdfork: child exited %d\n", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("api_wdfork: child killed by signal %d\n", WTERMSIG(status));
	return 0;
}
