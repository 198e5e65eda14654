/* A process that ends with _exit (as lld always does), after a report or not.
 *
 * Usage: quick_exit report|vfork|clean
 *   report  a bad-unlock, then a line left in stdout's buffer, then _exit(7)
 *   vfork   a bad-unlock, then a vfork child whose exec fails and which calls _exit(127); the parent
 *           prints the child's status and calls _exit(7)
 *   clean   no report; _exit(7) */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "report";
	if (strcmp(mode, "clean") != 0)
		pthread_mutex_unlock(&never_locked); /* quick_exit: bad-unlock */
	printf("quick_exit: in stdout's buffer, which _exit does not flush\n");
	if (strcmp(mode, "vfork") == 0) {
		pid_t p = vfork();
		if (p == 0) {
			execl("/nonexistent/quick_exit", "quick_exit", (char *)NULL);
			_exit(127);
		}
		int st = 0;
		waitpid(p, &st, 0);
		fprintf(stderr, "quick_exit: vfork child exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	_exit(7);
}
