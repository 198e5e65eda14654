/* Loads the shared object named by argv[1] with dlopen() and calls its plugin_run(), after changing
 * to directory argv[2] if one is given (a relative name then no longer leads to the plugin).
 * Usage: api_dlopen PATH-TO-PLUGIN.so [DIR] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: api_dlopen PLUGIN.so [DIR]\n");
		return 2;
	}
	pthread_mutex_lock(&host_lock);
	pthread_mutex_unlock(&host_lock);
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "api_dlopen: %s\n", dlerror());
		return 1;
	}
	if (argc > 2 && chdir(argv[2]) != 0) {
		perror("api_dlopen: chdir");
		return 1;
	}
	int (*run)(void) = (int (*)(void))dlsym(h, "plugin_run");
	if (!run) {
		fprintf(stderr, "api_dlopen: %s\n", dlerror());
		return 1;
	}
	printf("api_dlopen: plugin_run returned %d\n", run());
	dlclose(h);
	return 0;
}
