/* A daemon that closes every descriptor above stderr (close_range, as closefrom and many daemons do)
 * after coffman opened its own, then opens files of its own until their numbers reach past coffman's,
 * and keeps running under the checker: coffman must never read, write or close those descriptors,
 * which are the program's now.
 *
 *   fd_reuse elf PLUGIN [N]
 *                         a report first (the symbolizer opens the ELF files it reads), the close and
 *                         the reopening (/dev/null), then a plugin is loaded and makes a report from
 *                         its own frames (the symbolizer starts again and lets its old files go);
 *                         each of the program's descriptors must still be /dev/null.  With N, the
 *                         program holds N descriptors before the first report (so coffman's land past
 *                         N) and opens past N + 60 after the close.
 *   fd_reuse log LOG      a report first (coffman opens its log, LOG), the close, and the log reopened
 *                         read-only by the program until past coffman's number; then a second report:
 *                         coffman must neither write to nor close the program's descriptor of its own
 *                         log, and the second report must reach the log all the same.
 *   fd_reuse fifo PLUGIN  the plugin is loaded, its file replaced by a FIFO, then it makes a report
 *                         from its own frames: coffman must not wait for a writer (its stack walk
 *                         reads the plugin's file), and the program ends.
 *   fd_reuse pipe PLUGIN FILE
 *                         a new lock-order edge made under the plugin's frame without unwind
 *                         information first (libunwind steps it, and checks each address it reads
 *                         through a pipe of its own), the close and the reopening (FILE, read-write, a
 *                         known content), then more such edges at other depths; no descriptor of FILE
 *                         may have moved its offset, and FILE must be unchanged.
 *
 * PLUGIN (tests/progs/fd_reuse_plugin.c with nocfi_call.S, built by tests/fd_reuse.sh) has
 * plugin_both_ways (an inversion in its own frames) and nocfi_call.
 *
 * Prints "fd_reuse: N descriptors intact" or one line per descriptor that was disturbed; exit 0 or 1
 * (66 under the checker, which reports an inversion in each mode). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/resource.h>

#define PAST 960                /* open until the program's own numbers reach this far */

static int *fds;
static int nfds;

static void take_in_order(pthread_mutex_t *first, pthread_mutex_t *second)
{
	pthread_mutex_lock(first);
	pthread_mutex_lock(second);     /* fd_reuse: edge */
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static void close_all_above_stderr(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
}

static void open_until_past(const char *path, int flags, int past)
{
	nfds = 0;
	fds = realloc(fds, (size_t)(past + 1) * sizeof *fds);
	if (!fds)
		exit(2);
	while (nfds <= past) {
		int fd = open(path, flags);
		if (fd < 0) {
			perror(path);
			exit(2);
		}
		fds[nfds++] = fd;
		if (fd >= past)
			return;
	}
}

/* The program's descriptors whose offset is no longer 0 (read, written, or closed: -1), each said. */
static int moved_descriptors(void)
{
	int bad = 0;
	for (int i = 0; i < nfds; i++) {
		off_t at = lseek(fds[i], 0, SEEK_CUR);
		if (at != 0) {
			printf("fd_reuse: descriptor %d was read, written or closed (offset %lld)\n", fds[i],
			       (long long)at);
			bad++;
		}
	}
	return bad;
}

/* Room for n more descriptors than the usual 1024, if the hard limit allows (else exit 77: skip). */
static void allow_descriptors(long n)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max < (rlim_t)n + 1100) {
		printf("fd_reuse: the hard limit on descriptors is below %ld\n", n + 1100);
		exit(77);
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		exit(77);
}

/* The plugin's function name (it exits 2 if the plugin cannot be loaded or lacks it). */
static void *plugin_function(const char *plugin, const char *name)
{
	void *h = dlopen(plugin, RTLD_NOW);
	void *f = h ? dlsym(h, name) : NULL;
	if (!f) {
		fprintf(stderr, "fd_reuse: %s\n", dlerror());
		exit(2);
	}
	return f;
}

/* ---- elf */

static int run_elf(const char *plugin, long preopen)
{
	static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
	if (preopen) {
		allow_descriptors(preopen);
		for (long i = 0; i < preopen; i++)
			if (open("/dev/null", O_RDONLY) < 0)
				return 2;
	}
	take_in_order(&a, &b);
	take_in_order(&b, &a);          /* report 1 */
	close_all_above_stderr();
	open_until_past("/dev/null", O_RDONLY, preopen ? (int)preopen + 60 : PAST);
	struct stat null_st;
	if (stat("/dev/null", &null_st) != 0)
		return 2;
	void (*both_ways)(void) = (void (*)(void))plugin_function(plugin, "plugin_both_ways");
	both_ways();                    /* report 2, from the plugin's frames */
	int bad = 0;
	for (int i = 0; i < nfds; i++) {
		struct stat st;
		if (fstat(fds[i], &st) != 0) {
			printf("fd_reuse: descriptor %d was closed\n", fds[i]);
			bad++;
		} else if (!S_ISCHR(st.st_mode) || st.st_rdev != null_st.st_rdev) {
			printf("fd_reuse: descriptor %d is no longer /dev/null\n", fds[i]);
			bad++;
		}
	}
	if (!bad)
		printf("fd_reuse: %d descriptors intact\n", nfds);
	return bad != 0;
}

/* ---- pipe */

static pthread_mutex_t locks[16];
static void (*call_without_cfi)(void (*)(void *), void *);

/* Round r takes a pair of locks no round took before. */
static void take_round(void *arg)
{
	int r = *(int *)arg;
	take_in_order(&locks[2 * r], &locks[2 * r + 1]);
}

/* ... at its own depth of frames, under a frame without unwind information (a JIT's stub): libunwind
 * steps that frame by its frame pointer, checking each address it reads first. */
static void __attribute__((noinline)) nested(int depth, int r)
{
	volatile char pad[64 * (depth + 1)];
	pad[0] = (char)depth;
	if (depth > 0)
		nested(depth - 1, r);
	else
		call_without_cfi(take_round, &r);
	(void)pad[0];
}

static const char content[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static int run_pipe(const char *plugin, const char *file)
{
	for (int i = 0; i < 16; i++)
		pthread_mutex_init(&locks[i], NULL);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, content, sizeof content - 1) != (ssize_t)(sizeof content - 1) || close(fd) != 0)
		return 2;
	*(void **)&call_without_cfi = plugin_function(plugin, "nocfi_call");
	nested(0, 0);                   /* round 0: the unwinder starts */
	close_all_above_stderr();
	open_until_past(file, O_RDWR, PAST);
	for (int r = 1; r < 8; r++)
		nested(r, r);
	take_in_order(&locks[1], &locks[0]);    /* the report: against round 0's edge */
	int bad = moved_descriptors();
	char now[sizeof content + 16] = "";
	fd = open(file, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, now, sizeof now) : -1;
	if (n != (ssize_t)(sizeof content - 1) || memcmp(now, content, sizeof content - 1) != 0) {
		printf("fd_reuse: %s was changed\n", file);
		bad++;
	}
	if (!bad)
		printf("fd_reuse: %d descriptors intact\n", nfds);
	return bad != 0;
}

/* ---- log */

static int run_log(const char *log)
{
	static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
	static pthread_mutex_t c = PTHREAD_MUTEX_INITIALIZER, d = PTHREAD_MUTEX_INITIALIZER;
	take_in_order(&a, &b);
	take_in_order(&b, &a);          /* report 1: coffman opens its log */
	close_all_above_stderr();
	open_until_past(log, O_RDONLY | O_CLOEXEC, PAST);
	take_in_order(&c, &d);
	take_in_order(&d, &c);          /* report 2 */
	int bad = moved_descriptors();
	if (!bad)
		printf("fd_reuse: %d descriptors intact\n", nfds);
	return bad != 0;
}

/* ---- fifo */

static int run_fifo(const char *plugin)
{
	void (*both_ways)(void) = (void (*)(void))plugin_function(plugin, "plugin_both_ways");
	if (unlink(plugin) != 0 || mkfifo(plugin, 0600) != 0) {
		perror(plugin);
		return 2;
	}
	both_ways();                    /* the report, from frames of a file that is now a FIFO */
	printf("fd_reuse: the plugin's report is done\n");
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "elf") == 0)
		return run_elf(argv[2], argc == 4 ? atol(argv[3]) : 0);
	if (argc == 3 && strcmp(argv[1], "log") == 0)
		return run_log(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fifo") == 0)
		return run_fifo(argv[2]);
	if (argc == 4 && strcmp(argv[1], "pipe") == 0)
		return run_pipe(argv[2], argv[3]);
	fprintf(stderr, "usage: fd_reuse elf PLUGIN [N] | fd_reuse pipe PLUGIN FILE | fd_reuse log LOG | fd_reuse fifo PLUGIN\n");
	return 2;
}
