/* Global locks of a library unloaded with dlclose, then another library at the same address.
 * Usage: lockstate_dlclose PLUGIN_A.so PLUGIN_B.so [genuine]
 * Loads A, runs it, unloads it; loads B (same address, as a rule), runs it (with "genuine": B also takes
 * its locks in both orders).  Prints whether B's locks landed where A's were. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void *load(const char *path, uintptr_t *lock_addr, int (**run)(int))
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "lockstate_dlclose: %s\n", dlerror());
		return NULL;
	}
	uintptr_t (*addr)(void) = (uintptr_t (*)(void))dlsym(h, "plugin_lock_address");
	*run = (int (*)(int))dlsym(h, "plugin_run");
	if (!addr || !*run) {
		fprintf(stderr, "lockstate_dlclose: %s\n", dlerror());
		return NULL;
	}
	*lock_addr = addr();
	return h;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: lockstate_dlclose PLUGIN_A.so PLUGIN_B.so [genuine]\n");
		return 2;
	}
	int genuine = argc > 3 && strcmp(argv[3], "genuine") == 0;
	uintptr_t a_lock, b_lock;
	int (*run)(int);
	void *h = load(argv[1], &a_lock, &run);
	if (!h)
		return 1;
	printf("lockstate_dlclose: plugin A returned %d\n", run(genuine));
	dlclose(h);
	h = load(argv[2], &b_lock, &run);
	if (!h)
		return 1;
	printf("lockstate_dlclose: plugin B returned %d\n", run(genuine));
	printf("lockstate_dlclose: same address: %s\n", a_lock == b_lock ? "yes" : "no");
	dlclose(h);
	return 0;
}
