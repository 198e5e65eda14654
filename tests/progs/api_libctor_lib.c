/* A shared library that starts a worker thread in its constructor, before the program's main, as
 * log4cplus does (its logging thread pool, whose workers wait on a std::condition_variable):
 * libctor_worker waits on libctor_cond until libctor_stop() signals it.  The constructor also takes
 * libctor_a then libctor_b (the program takes them the other way round later: one inversion, seen
 * only if the constructor's locks were). */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t libctor_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t libctor_cond = PTHREAD_COND_INITIALIZER;
static int libctor_stopping;
static pthread_t libctor_thread;
pthread_mutex_t libctor_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t libctor_b = PTHREAD_MUTEX_INITIALIZER;

static void *libctor_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&libctor_mutex);
	while (!libctor_stopping)
		pthread_cond_wait(&libctor_cond, &libctor_mutex); /* libctor: worker waits */
	pthread_mutex_unlock(&libctor_mutex);
	return NULL;
}

__attribute__((constructor)) static void libctor_start(void)
{
	pthread_mutex_lock(&libctor_a);
	pthread_mutex_lock(&libctor_b); /* libctor: edge a->b in the constructor */
	pthread_mutex_unlock(&libctor_b);
	pthread_mutex_unlock(&libctor_a);
	pthread_create(&libctor_thread, NULL, libctor_worker, NULL);
}

void libctor_stop(void)
{
	pthread_mutex_lock(&libctor_mutex);
	libctor_stopping = 1;
	pthread_cond_signal(&libctor_cond); /* libctor: main signals */
	pthread_mutex_unlock(&libctor_mutex);
	pthread_join(libctor_thread, NULL);
}
