/* fork() while another thread holds a lock (and the forking thread holds one too).  The child locks
 * freely -- the lock the forking thread held, and fresh nested locks, also from a new thread -- and
 * exits 0; the parent waits for it, releases its worker and exits 0.  Nothing to report. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t main_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_inner = PTHREAD_MUTEX_INITIALIZER;
static sem_t worker_holds, may_release;
static int child_work;

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&worker_lock);
	sem_post(&worker_holds);
	sem_wait(&may_release);
	pthread_mutex_unlock(&worker_lock);
	return NULL;
}

static void *child_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&child_outer);
	pthread_mutex_lock(&child_inner);
	child_work++;
	pthread_mutex_unlock(&child_inner);
	pthread_mutex_unlock(&child_outer);
	return NULL;
}

static int child_main(void)
{
	pthread_mutex_unlock(&main_lock);       /* held by this thread across fork */
	pthread_mutex_lock(&main_lock);
	pthread_mutex_lock(&child_outer);
	pthread_mutex_lock(&child_inner);
	child_work++;
	pthread_mutex_unlock(&child_inner);
	pthread_mutex_unlock(&child_outer);
	pthread_mutex_unlock(&main_lock);
	pthread_t t;
	if (pthread_create(&t, NULL, child_thread, NULL) != 0)
		return 1;
	pthread_join(t, NULL);
	printf("forkheld child: work=%d\n", child_work);
	fflush(stdout);
	return 0;
}

int main(void)
{
	sem_init(&worker_holds, 0, 0);
	sem_init(&may_release, 0, 0);
	pthread_t w;
	pthread_create(&w, NULL, worker, NULL);
	sem_wait(&worker_holds);
	pthread_mutex_lock(&main_lock);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		exit(child_main());
	pthread_mutex_unlock(&main_lock);
	int st = 0;
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	sem_post(&may_release);
	pthread_join(w, NULL);
	printf("forkheld parent: child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
