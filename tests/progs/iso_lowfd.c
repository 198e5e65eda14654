/* A program that expects the lowest free descriptor numbers (as GLib's unix-fd test does) after it has
 * made coffman capture stacks, report, and symbolize: coffman's own descriptors must live elsewhere. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second_lock = PTHREAD_MUTEX_INITIALIZER;

static void *reversed_order(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&second_lock);
	pthread_mutex_lock(&first_lock);   /* closes a cycle: coffman reports (and symbolizes) here */
	pthread_mutex_unlock(&first_lock);
	pthread_mutex_unlock(&second_lock);
	return NULL;
}

int main(void)
{
	pthread_mutex_lock(&first_lock);
	pthread_mutex_lock(&second_lock);
	pthread_mutex_unlock(&second_lock);
	pthread_mutex_unlock(&first_lock);
	pthread_t t;
	pthread_create(&t, NULL, reversed_order, NULL);
	pthread_join(t, NULL);

	/* Every descriptor between 3 and 899 must be the program's own (none, here); those from 900 up
	 * are coffman's, listed for the test to check which. */
	int strays = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd <= 2 || fd == dfd)
			continue;
		char link[256], path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, link, sizeof link - 1);
		link[n > 0 ? n : 0] = '\0';
		if (fd >= 900) {
			printf("iso_lowfd: high descriptor %d -> %s\n", fd, link);
		} else {
			printf("iso_lowfd: stray descriptor %d -> %s\n", fd, link);
			strays++;
		}
	}
	closedir(d);
	int fds[2];
	int a = open("/dev/null", O_RDONLY);
	int p = pipe(fds);
	printf("iso_lowfd: open gave %d, pipe gave %d %d (%d), strays %d\n", a, fds[0], fds[1], p, strays);
	return 0;
}
