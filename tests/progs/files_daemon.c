/* A daemon's start: close every descriptor (coffman's private ones included), reopen 0, 1, 2 on
 * /dev/null, then a bad unlock.  The report must still reach the stderr the program was started with
 * when that can be found again (a regular file or a terminal). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

static pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
	struct rlimit rl;
	int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	for (int fd = 0; fd < max; fd++)
		close(fd);
	open("/dev/null", O_RDONLY);
	open("/dev/null", O_WRONLY);
	open("/dev/null", O_WRONLY);
	pthread_mutex_unlock(&never_locked); /* BAD-UNLOCK */
	return 0;
}
