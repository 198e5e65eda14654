/* A plugin creates a lock and contends it, then is unloaded before exit, as VLC unloads its plugins.
 * Usage: profile_unloaded PLUGIN.so
 * The lock itself is the program's (a static here), so the profile still has it at exit; where it was
 * created and where it was waited for are in the plugin's code, no longer mapped by then. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t unloaded_lock;

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: profile_unloaded PLUGIN.so\n");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "profile_unloaded: %s\n", dlerror());
		return 1;
	}
	int (*run)(pthread_mutex_t *) = (int (*)(pthread_mutex_t *))dlsym(h, "plugin_contend");
	if (!run) {
		fprintf(stderr, "profile_unloaded: %s\n", dlerror());
		return 1;
	}
	int waits = run(&unloaded_lock);
	dlclose(h);
	printf("profile_unloaded: done, %d rounds\n", waits);
	return 0;
}
