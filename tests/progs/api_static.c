/* A program linked statically by tests/api_static.sh: takes a lock in two threads, prints, and exits
 * with the status given as argv[1]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t static_lock = PTHREAD_MUTEX_INITIALIZER;
static int static_count;

static void *bump(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&static_lock);
	static_count++;
	pthread_mutex_unlock(&static_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th;
	pthread_create(&th, NULL, bump, NULL);
	bump(NULL);
	pthread_join(th, NULL);
	printf("api_static: count=%d\n", static_count);
	return argc > 1 ? atoi(argv[1]) : 0;
}
