/* A program that runs code it made at run time, as a JIT does: a stub copied into an anonymous
 * executable mapping, which calls back into the program to take two locks, in both orders (an
 * inversion whose stacks go through the stub).  Like a JIT it describes its code for perf in
 * /tmp/perf-<pid>.map ("START SIZE NAME"); "symlink" makes that name a symbolic link to the real map
 * instead (not to be followed), "none" writes no map, "big" puts 200,000 other functions' lines
 * around the stub's (a Node.js-sized map), "other" writes a map that lists only other code.  The map
 * is removed at exit. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static pthread_mutex_t left = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t right = PTHREAD_MUTEX_INITIALIZER;

/* push %rbp; mov %rsp,%rbp; mov %rdi,%rax; mov %rsi,%rdi; call *%rax; pop %rbp; ret -- a frame-pointer
 * frame, as JITs make them: fn(arg) called from code in no ELF object. */
static const unsigned char stub_code[] = { 0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7,
					   0xff, 0xd0, 0x5d, 0xc3 };

typedef void (*stub_fn)(void (*fn)(void *), void *arg);

static char map_path[64], real_path[80];

static void take_pair(void *arg)
{
	pthread_mutex_t **pair = arg;
	pthread_mutex_lock(pair[0]);
	pthread_mutex_lock(pair[1]);    /* take_pair: the inner lock */
	pthread_mutex_unlock(pair[1]);
	pthread_mutex_unlock(pair[0]);
}

static void remove_maps(void)
{
	unlink(map_path);
	if (real_path[0])
		unlink(real_path);
}

static int write_map(const char *mode, void *code)
{
	snprintf(map_path, sizeof map_path, "/tmp/perf-%d.map", (int)getpid());
	if (strcmp(mode, "none") == 0)
		return 0;
	const char *target = map_path;
	if (strcmp(mode, "symlink") == 0) {
		snprintf(real_path, sizeof real_path, "/tmp/perf-%d.map.real", (int)getpid());
		target = real_path;
	}
	FILE *f = fopen(target, "w");
	if (!f)
		return -1;
	int big = strcmp(mode, "big") == 0;
	if (strcmp(mode, "other") == 0) {
		fprintf(f, "%lx 4 [unrelated]\n", (unsigned long)(uintptr_t)code + 0x100);
		fprintf(f, "10000000 40 LazyCompile:~elsewhere /srv/app/lib/module.js:1\n");
		fclose(f);
		atexit(remove_maps);
		return 0;
	}
	for (int i = 0; big && i < 100000; i++)
		fprintf(f, "%x 40 LazyCompile:~filler%d /srv/app/lib/module%d.js:%d\n", 0x10000000 + 0x40 * i, i, i % 97, i);
	/* An older line for the same code, then the one that wins (a JIT replaced the method). */
	fprintf(f, "%lx %zx JitStub::Old()\n", (unsigned long)(uintptr_t)code, sizeof stub_code);
	fprintf(f, "%lx 4 [unrelated]\n", (unsigned long)(uintptr_t)code + 0x100);
	fprintf(f, "%lx %zx JitStub::Call(System.Action)\n", (unsigned long)(uintptr_t)code, sizeof stub_code);
	for (int i = 0; big && i < 100000; i++)
		fprintf(f, "%x 40 LazyCompile:*later%d /srv/app/lib/module%d.js:%d\n", 0x20000000 + 0x40 * i, i, i % 97, i);
	fclose(f);
	atexit(remove_maps);
	if (target != map_path && symlink(real_path, map_path) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "map";
	void *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		return 77;
	memcpy(code, stub_code, sizeof stub_code);
	if (mprotect(code, 4096, PROT_READ | PROT_EXEC) != 0 || write_map(mode, code) != 0) {
		perror("jit_frames");
		return 77;
	}
	stub_fn stub = (stub_fn)code;
	pthread_mutex_t *forward[2] = { &left, &right }, *backward[2] = { &right, &left };
	stub(take_pair, forward);       /* main: left then right */
	stub(take_pair, backward);      /* main: right then left */
	puts("jit_frames: done");
	return 0;
}
