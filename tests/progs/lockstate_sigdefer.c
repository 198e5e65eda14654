/* Signal handlers and coffman's internal locks (shim/sigdefer.h).
 * Usage: lockstate_sigdefer MODE
 *   jump   a 200 us interval timer's SIGALRM handler leaves with siglongjmp (up to 1000 times) while
 *          the thread makes new locks and new lock-order edges (coffman's wrappers and bookkeeping):
 *          natively it just goes on; then an inversion, which must still be reported
 *   info   another thread sends the busy thread 3000 queued real-time signals, each with its number
 *          as the value: every one arrives, in order, with its siginfo (SI_QUEUE, the sender's pid)
 *   view   what sigaction and signal give back is the program's own handler and flags
 *   jumpwait  main waits for a mutex another thread holds; a timer's handler jumps out of the wait;
 *          main then sleeps 2.5 s: it waits for nothing, and the watchdog must not say it does
 *   sigset glibc's other installers (sigset, bsd_signal, sysv_signal, __sysv_signal, ssignal) give
 *          back the program's handler, and one saved with sigset comes back when sigset restores it
 *   vfork  a vfork child resets the handlers it inherited before it execs, as CPython's subprocess
 *          does: the parent's handlers must still run (the child shares the parent's memory)
 *   park   a handler of SIGXCPU (a collector's parking signal) is installed and sent once with
 *          pthread_kill; then 3000 new locks and edges (strace counts the mask changes they make) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"      /* sigset, tested on purpose */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAIRS 3000

/* A plain handler, installed with sigaction. */
static void handle(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(sig, &sa, NULL);
}

static sigjmp_buf again;
static volatile sig_atomic_t jumps;

static void on_alarm(int sig)
{
	(void)sig;
	jumps++;
	siglongjmp(again, 1);
}

/* One new lock-order edge between two new mutexes (no malloc: a jump out of it would break the
 * program's heap natively too). */
static pthread_mutex_t pool[2][1024][2];
static __thread unsigned next_pair;

static void new_edge(void)
{
	static atomic_int users;
	static __thread int user = -1;
	if (user < 0)
		user = atomic_fetch_add(&users, 1) & 1;
	pthread_mutex_t *m = pool[user][next_pair++ % 1024];
	pthread_mutex_init(&m[0], NULL);
	pthread_mutex_init(&m[1], NULL);
	pthread_mutex_lock(&m[0]);
	pthread_mutex_lock(&m[1]);
	pthread_mutex_unlock(&m[1]);
	pthread_mutex_unlock(&m[0]);
	pthread_mutex_destroy(&m[1]);
	pthread_mutex_destroy(&m[0]);
}

/* For the jumps: each pair used once (a jump out of an init leaves its mutex initialised), and the
 * timer's signal held off while the pair is locked: a jump out of a critical section would leave the
 * mutex locked, natively too. */
#define JUMP_PAIRS 100000
static pthread_mutex_t jump_pool[JUMP_PAIRS][2];

static int jump(void)
{
	handle(SIGALRM, on_alarm);
	sigset_t alarm_only;
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	struct itimerval every = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &every, NULL);
	static volatile int next;
	sigsetjmp(again, 1);
	while (jumps < 1000 && next < JUMP_PAIRS) {
		pthread_mutex_t *m = jump_pool[next++];
		pthread_mutex_init(&m[0], NULL);
		pthread_mutex_init(&m[1], NULL);
		pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
		pthread_mutex_lock(&m[0]);
		pthread_mutex_lock(&m[1]);
		pthread_mutex_unlock(&m[1]);
		pthread_mutex_unlock(&m[0]);
		pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);
		pthread_mutex_destroy(&m[1]);
		pthread_mutex_destroy(&m[0]);
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("lockstate_sigdefer: %d jumps, went on\n", (int)jumps);
	/* Still checked after them: an inversion. */
	static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&a);
	pthread_mutex_lock(&b); /* jump: b after a */
	pthread_mutex_unlock(&b);
	pthread_mutex_unlock(&a);
	pthread_mutex_lock(&b);
	pthread_mutex_lock(&a); /* jump: a after b */
	pthread_mutex_unlock(&a);
	pthread_mutex_unlock(&b);
	return 0;
}

static atomic_int received, bad, stop;
static pid_t self_pid;

static void on_info(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	int want = atomic_load(&received) + 1;
	if (info->si_code != SI_QUEUE || info->si_pid != self_pid || info->si_value.sival_int != want || !uc)
		atomic_fetch_add(&bad, 1);
	atomic_store(&received, want);
}

static void *busy(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		new_edge();
	return NULL;
}

static int info(void)
{
	self_pid = getpid();
	int sig = SIGRTMIN + 3;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(sig, &sa, NULL);
	pthread_t th;
	pthread_create(&th, NULL, busy, NULL);
	for (int i = 1; i <= PAIRS; i++) {
		union sigval v = { .sival_int = i };
		pthread_sigqueue(th, sig, v);
		while (atomic_load(&received) < i)
			sched_yield();
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("lockstate_sigdefer: received %d, bad %d\n", atomic_load(&received), atomic_load(&bad));
	return atomic_load(&bad) != 0;
}

static void h1(int sig) { (void)sig; }
static void h2(int sig) { (void)sig; }
static void h3(int sig, siginfo_t *i, void *u) { (void)sig; (void)i; (void)u; }

static int view(void)
{
	int wrong = 0;
	signal(SIGUSR2, h1);
	if (signal(SIGUSR2, h2) != h1)
		wrong++, printf("lockstate_sigdefer: signal gave back another handler than h1\n");
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = h3;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaddset(&sa.sa_mask, SIGHUP);
	if (sigaction(SIGUSR2, &sa, &old) != 0 || old.sa_handler != h2 || (old.sa_flags & SA_SIGINFO))
		wrong++, printf("lockstate_sigdefer: sigaction gave back another action than h2's\n");
	if (sigaction(SIGUSR2, NULL, &old) != 0 || old.sa_sigaction != h3 || !(old.sa_flags & SA_SIGINFO) ||
	    !(old.sa_flags & SA_NODEFER) || !sigismember(&old.sa_mask, SIGHUP))
		wrong++, printf("lockstate_sigdefer: the query gave back another action than h3's\n");
	if ((void *)signal(SIGUSR2, SIG_DFL) != (void *)h3)
		wrong++, printf("lockstate_sigdefer: signal gave back another handler than h3\n");
	if (sigaction(SIGUSR2, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
		wrong++, printf("lockstate_sigdefer: the default is not given back\n");
	printf("lockstate_sigdefer: view %s\n", wrong ? "wrong" : "ok");
	return wrong != 0;
}

static pthread_mutex_t held_long = PTHREAD_MUTEX_INITIALIZER;
static atomic_int holding, let_go;

static void *hold_it(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held_long);
	atomic_store(&holding, 1);
	while (!atomic_load(&let_go))
		usleep(10000);
	pthread_mutex_unlock(&held_long);
	return NULL;
}

static int jump_out_of_wait(void)
{
	handle(SIGALRM, on_alarm);
	pthread_t th;
	pthread_create(&th, NULL, hold_it, NULL);
	while (!atomic_load(&holding))
		usleep(1000);
	struct itimerval once = { { 0, 0 }, { 0, 300000 } };
	if (sigsetjmp(again, 1) == 0) {
		setitimer(ITIMER_REAL, &once, NULL);
		pthread_mutex_lock(&held_long); /* jumpwait: the wait jumped out of */
		printf("lockstate_sigdefer: not reached (the lock is held)\n");
		return 1;
	}
	printf("lockstate_sigdefer: left the wait\n");
	struct timespec rest = { 2, 500000000 };
	nanosleep(&rest, NULL);
	atomic_store(&let_go, 1);
	pthread_join(th, NULL);
	printf("lockstate_sigdefer: done\n");
	return 0;
}

static volatile sig_atomic_t usr1_seen;
static void on_usr1(int sig) { (void)sig; usr1_seen++; }

static int vfork_reset(void)
{
	struct sigaction sa, dfl;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, on_usr1);
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	pid_t child = vfork();
	if (child == 0) {
		sigaction(SIGUSR1, &dfl, NULL);
		signal(SIGUSR2, SIG_DFL);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	raise(SIGUSR1);
	raise(SIGUSR2);
	printf("lockstate_sigdefer: handler ran %d times after the vfork child's reset\n", (int)usr1_seen);
	return usr1_seen != 2;
}

extern sighandler_t bsd_signal(int, sighandler_t);
extern sighandler_t __sysv_signal(int, sighandler_t);
extern sighandler_t ssignal(int, sighandler_t);
static volatile sig_atomic_t other_seen;
static void on_other(int sig) { (void)sig; other_seen++; }

static int sigset_family(void)
{
	int wrong = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	for (int i = 0; i < 5; i++) {
		sigaction(SIGUSR1, &sa, NULL);
		sighandler_t old = i == 0 ? sigset(SIGUSR1, SIG_DFL) : i == 1 ? bsd_signal(SIGUSR1, SIG_DFL) :
				   i == 2 ? sysv_signal(SIGUSR1, SIG_DFL) : i == 3 ? __sysv_signal(SIGUSR1, SIG_DFL) :
				   ssignal(SIGUSR1, SIG_DFL);
		if (old != on_usr1)
			wrong++, printf("lockstate_sigdefer: installer %d gave back another handler\n", i);
	}
	/* Saved with sigset, another installed with sigaction meanwhile, the saved one restored. */
	signal(SIGUSR1, on_usr1);
	sighandler_t saved = sigset(SIGUSR1, SIG_IGN);
	sa.sa_handler = on_other;
	sigaction(SIGUSR1, &sa, NULL);
	sigset(SIGUSR1, saved);
	usr1_seen = 0;
	raise(SIGUSR1);
	if (usr1_seen != 1 || other_seen != 0)
		wrong++, printf("lockstate_sigdefer: the restored handler did not run\n");
	printf("lockstate_sigdefer: installers %s\n", wrong ? "wrong" : "ok");
	return wrong != 0;
}

static void on_park(int sig) { (void)sig; }

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static int park(void)
{
	handle(SIGXCPU, on_park);
	pthread_t th;
	pthread_create(&th, NULL, idle, NULL);
	pthread_kill(th, SIGXCPU);
	for (int i = 0; i < PAIRS; i++)
		new_edge();
	printf("lockstate_sigdefer: %d new edges\n", PAIRS);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	static const struct {
		const char *name;
		int (*run)(void);
	} modes[] = {
		{ "jump", jump }, { "info", info }, { "view", view }, { "jumpwait", jump_out_of_wait },
		{ "sigset", sigset_family }, { "vfork", vfork_reset }, { "park", park },
	};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(mode, modes[i].name) == 0)
			return modes[i].run();
	fprintf(stderr, "lockstate_sigdefer: unknown mode '%s'\n", mode);
	return 2;
}
