/* live_latency: how long a program under the checker takes to *say* something.
 *
 *   live_latency [--timeout=SECS] [--pattern=TEXT] [--save=FILE] [--stall-debuginfod] -- PROGRAM [ARGS...]
 *
 * Runs PROGRAM with its stderr on a pipe and timestamps, from the fork, the first line that contains
 * TEXT (default "coffman: deadlock:", a report header) and the program's exit.  The report header is
 * what a user waits for; a report is written in one piece, so the header's time is the report's.
 * Prints one line:
 *
 *   header=0.214 exit=0.215 status=66 cpu=0.005
 *
 * (header=-1 if TEXT never appeared; status=-1 if the program was killed at the timeout, default 30 s;
 * cpu: the CPU time, user and system, the program used.)
 * --save keeps everything the program wrote to stderr.  --stall-debuginfod points DEBUGINFOD_URLS at a
 * local server that accepts connections and never answers (a slow debug-info server at its worst).  Exit status 0 if TEXT appeared, else 1; 2 on a
 * usage error.  Used by tests/live_latency.sh and bench/latency.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: live_latency [--timeout=SECS] [--pattern=TEXT] [--save=FILE] [--stall-debuginfod] "
			"-- PROGRAM [ARGS...]\n");
	return 2;
}

/* A listening socket nobody accepts on: the kernel completes the connection, the request is sent, and
 * the answer never comes.  Returns the socket (kept open until we exit; not inherited), -1 on error. */
static int stall_debuginfod(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0) {
		perror("live_latency: stall server");
		return -1;
	}
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
	setenv("DEBUGINFOD_URLS", url, 1);
	return s;
}

int main(int argc, char **argv)
{
	double timeout = 30;
	const char *pattern = "coffman: deadlock:";
	const char *save = NULL;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--timeout=", 10) == 0)
			timeout = atof(argv[i] + 10);
		else if (strncmp(argv[i], "--pattern=", 10) == 0)
			pattern = argv[i] + 10;
		else if (strncmp(argv[i], "--save=", 7) == 0)
			save = argv[i] + 7;
		else if (strcmp(argv[i], "--stall-debuginfod") == 0) {
			if (stall_debuginfod() < 0)
				return 2;
		} else
			return usage();
	}
	if (i + 1 >= argc || timeout <= 0)
		return usage();
	char **cmd = &argv[i + 1];

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		perror("live_latency: pipe");
		return 2;
	}
	FILE *saved = save ? fopen(save, "w") : NULL;
	double start = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		perror("live_latency: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(fds[1], 2);
		execvp(cmd[0], cmd);
		fprintf(stderr, "live_latency: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);

	/* Read lines as they come; the pattern may straddle two reads, so keep the unfinished line. */
	char line[8192];
	size_t have = 0;
	double header = -1;
	int killed = 0;
	for (;;) {
		double left = start + timeout - now_s();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		struct pollfd p = { fds[0], POLLIN, 0 };
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(fds[0], buf, sizeof buf);
		if (n <= 0)
			break;
		double at = now_s() - start;
		if (saved)
			fwrite(buf, 1, (size_t)n, saved);
		for (ssize_t k = 0; k < n; k++) {
			if (have < sizeof line - 1)
				line[have++] = buf[k];
			if (buf[k] == '\n' || k == n - 1) {
				line[have] = '\0';
				if (header < 0 && strstr(line, pattern))
					header = at;
				if (buf[k] == '\n')
					have = 0;
			}
		}
	}
	close(fds[0]);
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     (double)ru.ru_stime.tv_usec / 1e6;
	double ended = now_s() - start;
	if (saved)
		fclose(saved);
	int code = killed ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("header=%.3f exit=%.3f status=%d cpu=%.3f\n", header, ended, code, cpu);
	return header >= 0 ? 0 : 1;
}
