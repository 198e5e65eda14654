/* The program closes stderr, opens its own file (which gets descriptor 2), writes to it, then makes a
 * lock-order inversion.  The checker's report must not land in the program's file.
 * Usage: closefd2 FILE */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock_p = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_q = PTHREAD_MUTEX_INITIALIZER;

static void *p_then_q(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_p);
	pthread_mutex_lock(&lock_q); /* edge p->q */
	pthread_mutex_unlock(&lock_q);
	pthread_mutex_unlock(&lock_p);
	return NULL;
}

static void *q_then_p(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_q);
	pthread_mutex_lock(&lock_p); /* edge q->p */
	pthread_mutex_unlock(&lock_p);
	pthread_mutex_unlock(&lock_q);
	return NULL;
}

static void say(const char *s)
{
	if (write(2, s, strlen(s)) < 0)
		_exit(4);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	close(2);
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd != 2) {
		printf("closefd2: file got fd %d, not 2\n", fd);
		return 3;
	}
	say("program line 1\n");
	pthread_t t;
	pthread_create(&t, NULL, p_then_q, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, q_then_p, NULL);
	pthread_join(t, NULL);
	say("program line 2\n");
	printf("closefd2: done\n");
	return 0;
}
