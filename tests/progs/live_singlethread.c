/* live_singlethread: what a process that must be single-threaded sees under the watchdog.
 *   count     print how many threads the kernel lists for this process (/proc/self/task) before and
 *             after it starts a thread of its own: 1, then more.  Chromium's zygote, and any process
 *             about to unshare(CLONE_NEWUSER), refuse to go on with a thread they did not make.
 *   unshare   unshare(CLONE_NEWUSER), which the kernel refuses (EINVAL) to a multi-threaded process
 *             (the result is printed: it may be refused for want of privilege too)
 *   pshared   one thread, blocked on a process-shared mutex its child holds (no watchdog thread runs
 *             in it: its own wait must still be reported as a hang)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int task_count(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate);      /* parked until main is done counting */
	pthread_mutex_unlock(&gate);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "count";
	if (strcmp(mode, "count") == 0) {
		printf("live_singlethread: tasks before %d\n", task_count());
		pthread_mutex_lock(&gate);
		pthread_t th;
		pthread_create(&th, NULL, worker, NULL);
		usleep(100000);
		int after = task_count();
		pthread_mutex_unlock(&gate);
		pthread_join(th, NULL);
		printf("live_singlethread: tasks after %s\n", after >= 2 ? "2 or more" : "1");
	} else if (strcmp(mode, "unshare") == 0) {
		int rc = unshare(CLONE_NEWUSER);
		printf("live_singlethread: unshare %s\n", rc == 0 ? "ok" : errno == EINVAL ? "EINVAL" : "refused");
	} else {
		pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutex_init(m, &a);
		if (fork() == 0) {
			pthread_mutex_lock(m);
			sleep(8);
			_exit(0);
		}
		sleep(1);
		pthread_mutex_lock(m); /* pshared: blocked on the child's lock */
		printf("live_singlethread: not reached\n");
	}
	return 0;
}
