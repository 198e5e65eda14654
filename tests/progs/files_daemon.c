/* A daemon's start: close every descriptor (coffman's private ones included), reopen 0, 1, 2 on
 * /dev/null, then a bad unlock.  The report must still reach the stderr the program was started with
 * when that can be found again (a regular file or a terminal).
 *
 * files_daemon shared: close every descriptor above stderr only, then write a line to stdout, make
 * the bad unlock, write another line, and a last one after another bad unlock.  Started with stdout
 * and stderr on one file (`> f 2>&1`: one offset for both), the reports must take their turn in that
 * file, as the program's own stderr writes do, and no line may overwrite another. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t never_locked_either = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *line)
{
	if (write(1, line, strlen(line)) < 0)
		_exit(2);
}

static int shared(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
	say("files_daemon: line 1\n");
	pthread_mutex_unlock(&never_locked); /* SHARED-BAD-UNLOCK */
	say("files_daemon: line 2\n");
	pthread_mutex_unlock(&never_locked_either);
	say("files_daemon: line 3\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "shared") == 0)
		return shared();
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
