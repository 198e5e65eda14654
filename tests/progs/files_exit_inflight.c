/* _exit() while another thread is writing a report: the report must be finished, not cut off.
 *
 * To make "while" certain rather than likely, the report's write is made to block: the parent runs the
 * child with stderr on a pipe it has filled to the brim; the child's main waits until its reporting
 * thread is blocked in write(2) on that pipe (seen in /proc/self/task/TID/syscall) and calls _exit(3);
 * the parent drains the pipe only once the child is dead or its main thread sleeps inside _exit.  A
 * checker that does not wait loses the report (the process is gone before the drain); one that waits
 * for the report in flight lets it through.
 *
 * Usage: files_exit_inflight        (parent: prints the child's status and what came through the pipe)
 *        files_exit_inflight child  (run by the parent) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;
static atomic_int reporter_tid;

static void *reporter(void *arg)
{
	(void)arg;
	atomic_store(&reporter_tid, (int)gettid());
	pthread_mutex_unlock(&never_locked); /* BAD-UNLOCK */
	return NULL;
}

/* Descriptor fd is the same open pipe as our stderr (the checker writes through its own copy). */
static int same_as_stderr(long fd)
{
	char path[64], a[128] = "", b[128] = "";
	snprintf(path, sizeof path, "/proc/self/fd/%ld", fd);
	ssize_t na = readlink(path, a, sizeof a - 1);
	ssize_t nb = readlink("/proc/self/fd/2", b, sizeof b - 1);
	return na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
}

/* The reporting thread is blocked in write(2) on the stderr pipe: -1 if that cannot be seen. */
static int blocked_in_write(int tid)
{
	char path[64], text[256] = "";
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	long nr, arg0;
	if (sscanf(text, "%ld %lx", &nr, &arg0) != 2)
		return 0;       /* "running" */
	return nr == SYS_write && same_as_stderr(arg0);
}

static int child(void)
{
	pthread_t t;
	pthread_create(&t, NULL, reporter, NULL);
	for (int i = 0; i < 30000; i++) {       /* up to 30 s on a loaded machine */
		int tid = atomic_load(&reporter_tid);
		int b = tid ? blocked_in_write(tid) : 0;
		if (b < 0) {
			dprintf(1, "cannot read /proc/self/task/TID/syscall\n");
			_exit(77);
		}
		if (b) {
			dprintf(1, "child: the report is being written; _exit(3)\n");
			_exit(3);
		}
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	dprintf(1, "child: the report never blocked in write\n");
	_exit(4);
}

/* The first number in /proc/PATH, or -1 ("running", or gone). */
static long first_number(const char *path)
{
	char text[256] = "";
	long nr;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return sscanf(text, "%ld", &nr) == 1 ? nr : -1;
}

/* After the child said it calls _exit: wait until it is either wholly dead (every thread gone, so
 * nothing more can come) or its main thread sleeps inside _exit (waiting for the report), and only
 * then drain — so that a report gets through only by being waited for, never by racing the end of a
 * dying thread. */
static void wait_dead_or_waiting(pid_t pid)
{
	char sys_path[64];
	snprintf(sys_path, sizeof sys_path, "/proc/%d/task/%d/syscall", (int)pid, (int)pid);
	for (int i = 0; i < 30000; i++) {
		siginfo_t info;
		memset(&info, 0, sizeof info);
		/* The parent hears of the exit only once the whole thread group is gone. */
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == pid)
			return;
		long nr = first_number(sys_path);
		if (nr >= 0 && nr != SYS_write && nr != SYS_exit_group && nr != SYS_exit)
			return;
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();

	int errpipe[2], notify[2];
	if (pipe(errpipe) != 0 || pipe(notify) != 0)
		return 2;
	/* Fill the pipe: the report's write will find no room until we drain it. */
	int fl = fcntl(errpipe[1], F_GETFL);
	fcntl(errpipe[1], F_SETFL, fl | O_NONBLOCK);
	static char filler[4096];
	memset(filler, '.', sizeof filler);
	filler[sizeof filler - 1] = '\n';
	size_t filled = 0;
	for (;;) {
		ssize_t w = write(errpipe[1], filler, sizeof filler);
		if (w > 0) {
			filled += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EAGAIN && write(errpipe[1], filler, 1) == 1) {
			filled++;       /* the last bytes, one at a time */
			continue;
		}
		break;
	}
	fcntl(errpipe[1], F_SETFL, fl);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(errpipe[1], 2);
		dup2(notify[1], 1);
		close(errpipe[0]);
		close(errpipe[1]);
		close(notify[0]);
		close(notify[1]);
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(5);
	}
	close(errpipe[1]);
	close(notify[1]);
	/* Wait for the child's word (or its end), then drain. */
	char line[256];
	ssize_t n = read(notify[0], line, sizeof line - 1);
	line[n > 0 ? n : 0] = '\0';
	printf("%s", line);
	wait_dead_or_waiting(pid);
	/* Drain: the filler, then whatever the child wrote after it. */
	static char buf[1 << 20];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(errpipe[0], buf + got, sizeof buf - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	int status;
	waitpid(pid, &status, 0);
	printf("parent: child %s %d\n", WIFEXITED(status) ? "exit status" : "killed by signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	printf("parent: %zu bytes after the filler\n", got > filled ? got - filled : 0);
	if (got > filled)
		fwrite(buf + filled, 1, got - filled, stdout);
	return 0;
}
