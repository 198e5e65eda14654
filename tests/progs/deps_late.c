/* deps_late: a program that imports no lock or thread function, so coffman loads its stack walker and
 * symbolizer only when it first needs them (shim/deps.h), and the reports are as whole as ever.
 *
 *   deps_late maps          say whether libcoffman-deps.so is mapped, and exit
 *   deps_late libs          the same, then copy /proc/self/maps to stdout
 *   deps_late plugin PATH   dlopen PATH and call its late_inversion(): an ABBA in the plugin
 *   deps_late dlsym         an ABBA through pthread_mutex_lock found with dlsym
 *   deps_late handler       the first lock inside a signal handler (no load there), then the ABBA
 *   deps_late blocked       every signal blocked, then exec "deps_late dlsym" (the mask kept across exec)
 *   deps_late jump          a handler left with siglongjmp, then the ABBA from deeper down
 *   deps_late timer         the ABBA in a SIGEV_THREAD timer's thread (glibc's, every signal blocked)
 *
 * Built twice: deps_late_imports (IMPORTS_LOCKS) also imports pthread_mutex_lock, so the load happens
 * at start.  Each mode says "deps: mapped" or "deps: not mapped" before and after. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef IMPORTS_LOCKS
int (*volatile imported_lock)(pthread_mutex_t *) = pthread_mutex_lock;
#endif

static void say_mapped(const char *when)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int mapped = 0;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "/libcoffman-deps.so"))
			mapped = 1;
	if (f)
		fclose(f);
	printf("deps %s: %s\n", when, mapped ? "mapped" : "not mapped");
	fflush(stdout);
}

typedef int (*lock_fn)(pthread_mutex_t *);
static lock_fn lock, unlock;
static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER, second = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t in_handler = PTHREAD_MUTEX_INITIALIZER;

static void find_lock_functions(void)
{
	lock = (lock_fn)dlsym(RTLD_DEFAULT, "pthread_mutex_lock");
	unlock = (lock_fn)dlsym(RTLD_DEFAULT, "pthread_mutex_unlock");
}

static __attribute__((noinline)) void take_in_order(pthread_mutex_t *a, pthread_mutex_t *b)
{
	lock(a);
	lock(b); /* deps_late: edge */
	unlock(b);
	unlock(a);
}

static void abba_through_dlsym(void)
{
	take_in_order(&first, &second);
	take_in_order(&second, &first);
}

static void on_usr1(int sig)
{
	(void)sig;
	lock(&in_handler); /* deps_late: in handler */
	unlock(&in_handler);
}

static sigjmp_buf out_of_handler;

static void on_usr2(int sig)
{
	(void)sig;
	siglongjmp(out_of_handler, 1);
}

/* Deeper than the handler's frame was: after the jump out, this is not inside a handler. */
static __attribute__((noinline)) void deeper(int levels)
{
	char pad[512];
	memset(pad, levels, sizeof pad);
	__asm__ volatile("" : : "r"(pad) : "memory");
	if (levels > 0)
		deeper(levels - 1);
	else
		abba_through_dlsym();
}

static void on_timer(union sigval v)
{
	(void)v;
	abba_through_dlsym();
}

static int run_timer(void)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_timer;
	timer_t tm;
	struct itimerspec when = { .it_value = { 0, 1000000 } };
	if (timer_create(CLOCK_MONOTONIC, &ev, &tm) != 0 || timer_settime(tm, 0, &when, NULL) != 0) {
		perror("deps_late: timer");
		return 1;
	}
	sleep(1);
	return 0;
}

static int call_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "deps_late: %s\n", dlerror());
		return 1;
	}
	void (*run)(void) = (void (*)(void))dlsym(h, "late_inversion");
	if (!run) {
		fprintf(stderr, "deps_late: no late_inversion in %s\n", path);
		return 1;
	}
	run(); /* deps_late: plugin call */
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "maps";
	say_mapped("before");
	int rc = 0;
	if (strcmp(mode, "plugin") == 0 && argc > 2) {
		rc = call_plugin(argv[2]);
	} else if (strcmp(mode, "dlsym") == 0) {
		find_lock_functions();
		abba_through_dlsym();
	} else if (strcmp(mode, "handler") == 0) {
		find_lock_functions();
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		say_mapped("after the handler");
		abba_through_dlsym();
	} else if (strcmp(mode, "blocked") == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		execl("/proc/self/exe", argv[0], "dlsym", (char *)NULL);
		perror("deps_late: exec");
		return 1;
	} else if (strcmp(mode, "jump") == 0) {
		find_lock_functions();
		signal(SIGUSR2, on_usr2);
		if (sigsetjmp(out_of_handler, 1) == 0)
			raise(SIGUSR2);
		deeper(16);
	} else if (strcmp(mode, "timer") == 0) {
		find_lock_functions();
		rc = run_timer();
	} else if (strcmp(mode, "libs") == 0) {
		FILE *f = fopen("/proc/self/maps", "r");
		char line[4096];
		while (f && fgets(line, sizeof line, f))
			fputs(line, stdout);
		if (f)
			fclose(f);
	} else if (strcmp(mode, "maps") != 0) {
		fprintf(stderr, "usage: deps_late maps|libs|plugin PATH|dlsym|handler|blocked|jump|timer\n");
		return 2;
	}
	say_mapped("after");
	return rc;
}
