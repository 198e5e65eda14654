/* files_proctitle: a program that writes its process title over its argument and environment strings,
 * as setproctitle() does in nginx, PostgreSQL, Redis and Chromium's child processes (the strings the
 * kernel placed at the top of the stack are one block: the title is written across it and the rest
 * cleared).  Then a lock-order inversion, so that the report (and the SARIF and profile files, and the
 * graph file) are written after the environment's bytes have changed.
 *   files_proctitle chdir DIR: change to DIR instead (a daemon's chdir("/")), then the inversion: the
 *   files named by relative paths are still where coffman was started. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second_lock = PTHREAD_MUTEX_INITIALIZER;

/* Overwrite every environment string in place, the way a process title spills over them. */
static void set_title(const char *title)
{
	size_t tl = strlen(title), used = 0;
	for (char **e = environ; *e; e++) {
		size_t len = strlen(*e);
		for (size_t i = 0; i < len; i++)
			(*e)[i] = used < tl ? title[used++] : '\0';
	}
}

int main(int argc, char **argv)
{
	pthread_mutex_lock(&first_lock);
	pthread_mutex_lock(&second_lock);
	pthread_mutex_unlock(&second_lock);
	pthread_mutex_unlock(&first_lock);
	if (argc > 2 && strcmp(argv[1], "chdir") == 0) {
		if (chdir(argv[2]) != 0)
			return 1;
	} else {
		set_title("files_proctitle: worker process /x/y");
	}
	pthread_mutex_lock(&second_lock);
	pthread_mutex_lock(&first_lock); /* inversion after the title */
	pthread_mutex_unlock(&first_lock);
	pthread_mutex_unlock(&second_lock);
	printf("files_proctitle: done\n");
	return 0;
}
