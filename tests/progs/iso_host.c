/* A C host that loads a plugin with dlopen and calls one of its functions; with "unwind" it also walks
 * its own stack with libunwind while it holds a lock (a crash reporter or profiler does that). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t host_inner = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: iso_host PLUGIN.so FUNCTION [ARG]\n");
		return 2;
	}
	/* Make the thread young and busy: locks with new edges, so coffman captures stacks. */
	pthread_mutex_lock(&host_lock);
	pthread_mutex_lock(&host_inner);
	pthread_mutex_unlock(&host_inner);
	pthread_mutex_unlock(&host_lock);
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "iso_host: %s\n", dlerror());
		return 2;
	}
	int (*fn)(int) = (int (*)(int))dlsym(h, argv[2]);
	if (!fn) {
		fprintf(stderr, "iso_host: no %s\n", argv[2]);
		return 2;
	}
	int arg = argc > 3 ? 0 : 100;
	if (argc > 3)
		sscanf(argv[3], "%d", &arg);
	pthread_mutex_lock(&host_lock);
	int rc = fn(arg);
	pthread_mutex_unlock(&host_lock);
	printf("iso_host: %s returned %d\n", argv[2], rc);
	dlclose(h);
	return 0;
}
