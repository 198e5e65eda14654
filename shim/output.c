/* Where coffman's bytes go: the log, the stderr duplicate, the fallback between them, and the one-line
 * warnings.  The promises are listed in output.h; every write and open here is a plain system call, so
 * it can run from inside a wrapper.  The text itself is built with outbuf.c. */
#include "output.h"
#include "config.h"
#include "ilock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


struct sink {
	int fd;
	dev_t dev;
	ino_t ino;
	int flags;              /* access mode and O_APPEND, as opened */
};

/* Serialises the writes and guards the sink state below; taken after the report writer's lock. */
static struct ilock out_lock = ILOCK_INIT;
static struct sink err_sink = { -1, 0, 0, 0 };
static struct sink log_sink = { -1, 0, 0, 0 };
static char err_path[PATH_MAX];         /* stderr's file at load, when it can be reopened by path */
static char log_name[PATH_MAX];
static int log_failed;                  /* the log could not be opened or written: stderr from now on */
static char log_why[160];
static int wrote_log;                   /* something reached the log before it failed */
static char destination[2 * PATH_MAX + 256];

#define SINK_FLAGS (O_ACCMODE | O_APPEND)

/* fd is open on that file (device and inode). */
static int is_file(int fd, dev_t dev, ino_t ino)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

static void sink_remember(struct sink *s, int fd)
{
	struct stat st;
	s->fd = fd;
	if (fd >= 0 && fstat(fd, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->flags = fcntl(fd, F_GETFL) & SINK_FLAGS;
	}
}

/* The descriptor is still the one we opened (not closed, not reused by the program): the same file,
 * close-on-exec as ours always are, opened the same way — a program that reopens our very log on our
 * very number, read-only, has a descriptor we must neither write to nor close. */
static int sink_intact(const struct sink *s)
{
	int fd_flags, fl;
	return s->fd >= 0 && (fd_flags = fcntl(s->fd, F_GETFD)) >= 0 && (fd_flags & FD_CLOEXEC) &&
	       (fl = fcntl(s->fd, F_GETFL)) >= 0 && (fl & SINK_FLAGS) == s->flags && is_file(s->fd, s->dev, s->ino);
}

/* Our descriptors live high and close on exec, out of the program's way. */
static int move_high(int fd)
{
	int high = fcntl(fd, F_DUPFD_CLOEXEC, PRIVATE_FD_FLOOR);
	if (high < 0)
		return fd;
	close(fd);
	return high;
}

void output_init(void)
{
	struct stat st;
	int fd = fcntl(2, F_DUPFD_CLOEXEC, PRIVATE_FD_FLOOR);
	if (fd < 0)
		fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	sink_remember(&err_sink, fd);
	/* A regular file or a terminal can be found again by its path if the program closes every
	 * descriptor (daemons do); a pipe or a socket cannot. */
	if (fd >= 0 && fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		ssize_t n = readlink("/proc/self/fd/2", err_path, sizeof err_path - 1);
		err_path[n > 0 && err_path[0] == '/' ? n : 0] = '\0';
	}
}

void output_lock_for_fork(void) { ilock_acquire(&out_lock); }
void output_unlock_after_fork(void) { ilock_release(&out_lock); }

void output_after_fork_child(void)
{
	ilock_reset(&out_lock);
	/* With %p the child needs its own file; without it, reopening in append mode is equivalent. */
	if (log_sink.fd >= 0 && sink_intact(&log_sink))
		close(log_sink.fd);
	log_sink.fd = -1;
	log_name[0] = '\0';
	log_failed = 0;
	wrote_log = 0;
}

void output_expand_pid(char *dst, size_t cap, const char *pattern, int *had_pid)
{
	size_t o = 0;
	if (had_pid)
		*had_pid = 0;
	for (const char *p = pattern; *p && o + 1 < cap; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			int n = snprintf(dst + o, cap - o, "%d", (int)getpid());
			if (n < 0 || (size_t)n >= cap - o)
				break;
			o += (size_t)n;
			p++;
			if (had_pid)
				*had_pid = 1;
		} else {
			dst[o++] = *p;
		}
	}
	dst[o] = '\0';
}

/* ---------------------------------------------------------------- writing without signals */

int output_write_fd(int fd, const char *p, size_t n)
{
	/* Only a pipe or a socket answers EPIPE, and raises SIGPIPE with it.  A socket is written with
	 * MSG_NOSIGNAL: no signal at all.  A pipe is polled first: one without a reader (POLLERR) is EPIPE
	 * without a write, so without a signal.  Only a reader that leaves between the poll and the write
	 * raises one: SIGPIPE is blocked for this thread while writing, and after an EPIPE the signal the
	 * kernel left pending for this thread is taken back.  No sigpending() to see whether the program
	 * had one pending already: seccomp sandboxes refuse it (Firefox's content processes trap it and log
	 * each call, Chromium's kill the process).  A SIGPIPE the program keeps pending stays pending,
	 * unless that race merges ours into it. */
	struct stat st;
	int is_socket = 0, is_pipe = 0;
	if (fstat(fd, &st) == 0) {
		is_socket = S_ISSOCK(st.st_mode);
		is_pipe = S_ISFIFO(st.st_mode);
	}
	sigset_t pipe_only, old;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	int err = 0, waits = 0, wrote = 0;
	while (n > 0) {
		if (is_pipe) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR)) {
				err = EPIPE;
				break;
			}
		}
		ssize_t w = is_socket ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
		if (w < 0 && is_socket && errno == ENOTSOCK) {
			is_socket = 0;
			continue;
		}
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		/* The program made the shared file description non-blocking: wait a while, bounded. */
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waits++ < 50) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			poll(&pfd, 1, 100);
			continue;
		}
		err = w < 0 ? errno : EIO;
		wrote = 1;
		break;
	}
	if (err == EPIPE && wrote && !is_socket) {
		static const struct timespec no_wait;
		while (sigtimedwait(&pipe_only, NULL, &no_wait) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* ---------------------------------------------------------------- opening without surprises */

/* A link made by the caller or by root (/dev/stderr, /dev/stdout) is the caller's to name; a link
 * made by anybody else in a directory they control is not followed. */
int output_link_trusted(uid_t owner)
{
	return owner == geteuid() || owner == 0;
}

/* "/proc/self/fd/N", "/proc/PID/fd/N" (our pid) or "/dev/fd/N": N, else -1. */
static int descriptor_path(const char *s)
{
	char self[32];
	const char *rest = NULL;
	snprintf(self, sizeof self, "/proc/%d/fd/", (int)getpid());
	if (strncmp(s, "/proc/self/fd/", 14) == 0)
		rest = s + 14;
	else if (strncmp(s, "/dev/fd/", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, self, strlen(self)) == 0)
		rest = s + strlen(self);
	if (!rest || *rest < '0' || *rest > '9')
		return -1;
	char *end;
	long n = strtol(rest, &end, 10);
	return *end == '\0' && n <= INT_MAX ? (int)n : -1;
}

int output_descriptor_named(const char *path)
{
	char text[PATH_MAX];
	struct stat link;
	int n = descriptor_path(path);
	if (n >= 0)
		return n;
	if (lstat(path, &link) != 0 || !S_ISLNK(link.st_mode) || !output_link_trusted(link.st_uid))
		return -1;
	ssize_t k = readlink(path, text, sizeof text - 1);
	if (k <= 0)
		return -1;
	text[k] = '\0';
	return descriptor_path(text);
}

/* A path naming one of our own descriptors (/dev/stdout): that open file itself, sharing its offset,
 * so what we write lands after the program's output instead of over it. */
static int open_descriptor(int n, char *why, size_t len)
{
	int fl = fcntl(n, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		snprintf(why, len, "descriptor %d is not open for writing", n);
		return -1;
	}
	int fd = fcntl(n, F_DUPFD_CLOEXEC, PRIVATE_FD_FLOOR);
	if (fd < 0)
		fd = fcntl(n, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		snprintf(why, len, "%s", strerror(errno));
	return fd;
}

int output_open(const char *path, int extra_flags, char *why, size_t len)
{
	struct stat link, st;
	int follow = 0;
	if (lstat(path, &link) == 0 && S_ISLNK(link.st_mode)) {
		if (!output_link_trusted(link.st_uid)) {
			snprintf(why, len, "it is a symbolic link owned by uid %d, not followed", (int)link.st_uid);
			return -1;
		}
		follow = 1;
	}
	int named = output_descriptor_named(path);
	if (named >= 0)
		return open_descriptor(named, why, len);
	int flags = O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | extra_flags | (follow ? 0 : O_NOFOLLOW);
	int fd = open(path, flags, 0644);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP && !follow)
			snprintf(why, len, "it is a symbolic link, not followed");
		else if (e == ENXIO && stat(path, &st) == 0 && S_ISFIFO(st.st_mode))
			snprintf(why, len, "it is a FIFO with no reader");
		else
			snprintf(why, len, "%s", strerror(e));
		return -1;
	}
	/* The link judged above must be the one opened through (not swapped meanwhile). */
	struct stat again;
	if (follow && (lstat(path, &again) != 0 || again.st_dev != link.st_dev || again.st_ino != link.st_ino ||
		       again.st_uid != link.st_uid)) {
		close(fd);
		snprintf(why, len, "the symbolic link changed while it was opened");
		return -1;
	}
	/* A hard link to somebody else's file is as much a trap as a symbolic one. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1 && st.st_uid != geteuid()) {
		close(fd);
		snprintf(why, len, "it is a hard link to a file owned by uid %d, not written", (int)st.st_uid);
		return -1;
	}
	/* O_NONBLOCK was for the open only (a FIFO without reader); writes may wait like stderr's. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return move_high(fd);
}

/* ---------------------------------------------------------------- whole documents */

/* A regular file (or none yet): a fresh temporary file in the same directory, renamed over path. */
static int write_replacing(const char *path, output_doc_fn write_doc, void *ctx, char *why, size_t len)
{
	char tmp[PATH_MAX + 64];
	int fd = -1, err = 0;
	for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
		unsigned rnd;
		if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			rnd = (unsigned)ts.tv_nsec ^ ((unsigned)attempt << 24);
		}
		snprintf(tmp, sizeof tmp, "%s.tmp.%d.%08x", path, (int)getpid(), rnd);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
		err = fd < 0 ? errno : 0;
		if (fd < 0 && err != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(why, len, "%s: %s", tmp, strerror(err));
		return -1;
	}
	err = write_doc(fd, ctx);
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) != 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (err) {
		snprintf(why, len, "%s: %s", tmp, strerror(err));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Anything but a regular file: written into as it is, never replaced. */
static int write_direct(const char *path, output_doc_fn write_doc, void *ctx, char *why, size_t len)
{
	char reason[160];
	int fd = output_open(path, O_APPEND | O_CREAT, reason, sizeof reason);
	if (fd < 0) {
		snprintf(why, len, "%s: %s", path, reason);
		return -1;
	}
	int err = write_doc(fd, ctx);
	if (close(fd) != 0 && !err)
		err = errno;
	if (err) {
		snprintf(why, len, "%s: %s", path, strerror(err));
		return -1;
	}
	return 0;
}

int output_write_document(const char *path, int direct_ok, output_doc_fn write_doc, void *ctx, char *why,
			  size_t len)
{
	struct stat st, to;
	char file[PATH_MAX];
	if (output_descriptor_named(path) >= 0)
		return direct_ok ? write_direct(path, write_doc, ctx, why, len) : 0;
	if (lstat(path, &st) != 0 || S_ISREG(st.st_mode))
		return write_replacing(path, write_doc, ctx, why, len);
	if (!S_ISLNK(st.st_mode))
		return direct_ok ? write_direct(path, write_doc, ctx, why, len) : 0;
	if (!output_link_trusted(st.st_uid)) {
		snprintf(why, len, "%s: it is a symbolic link owned by uid %d, not followed", path, (int)st.st_uid);
		return -1;
	}
	if (stat(path, &to) == 0 && S_ISREG(to.st_mode) && realpath(path, file))
		return write_replacing(file, write_doc, ctx, why, len);
	return direct_ok ? write_direct(path, write_doc, ctx, why, len) : 0;
}

/* ---------------------------------------------------------------- the destinations */

/* stderr itself, while it is still the file the duplicate was and can be written. */
static int stderr_still_ours(void)
{
	int fl = fcntl(2, F_GETFL);
	return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY && is_file(2, err_sink.dev, err_sink.ino);
}

/* The stderr duplicate; if the program closed it, stderr itself while it is still that file (started
 * with `> f 2>&1`, the program's output and its stderr share one offset in f, and a report must take its
 * turn there as the program's own stderr writes do: reopened by path and appending, it was overwritten
 * by the program's next lines); else the same file reopened by path (never another). */
static int err_fd(void)
{
	if (sink_intact(&err_sink))
		return err_sink.fd;
	if (err_sink.fd >= 0 && stderr_still_ours())
		return 2;
	if (!err_path[0] || err_sink.fd < 0)
		return -1;
	int fd = open(err_path, O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (!is_file(fd, err_sink.dev, err_sink.ino)) {
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	sink_remember(&err_sink, move_high(fd));    /* the old number may be the program's now: not closed */
	return err_sink.fd;
}

static void format_warning(struct outbuf *ob, const char *message);

static void write_to_stderr(const struct outbuf *ob)
{
	int fd = err_fd();
	if (fd >= 0 && ob->data)
		output_write_fd(fd, ob->data, ob->len);
}

/* The log failed: say so once on stderr, with the reason; everything goes to stderr from now on. */
static void log_fails(const char *why)
{
	char msg[PATH_MAX + 256];
	struct outbuf ob;
	log_failed = 1;
	snprintf(log_why, sizeof log_why, "%s", why);
	if (log_sink.fd >= 0 && sink_intact(&log_sink))
		close(log_sink.fd);
	log_sink.fd = -1;
	snprintf(msg, sizeof msg, "reports could not be written to %s: %s; they go to stderr", log_name, why);
	ob_init(&ob);
	format_warning(&ob, msg);
	write_to_stderr(&ob);
	ob_free(&ob);
}

static int log_fd(void)
{
	char why[160];
	if (log_failed)
		return -1;
	if (sink_intact(&log_sink))
		return log_sink.fd;
	output_expand_pid(log_name, sizeof log_name, cfg.log_path, NULL);
	int fd = output_open(log_name, O_APPEND | O_CREAT, why, sizeof why);
	if (fd < 0) {
		log_fails(why);
		return -1;
	}
	sink_remember(&log_sink, fd);
	return fd;
}

const char *output_destination(void)
{
	if (!cfg.log_path)
		return "stderr";
	ilock_acquire(&out_lock);
	if (!log_name[0])
		output_expand_pid(log_name, sizeof log_name, cfg.log_path, NULL);
	if (!log_failed)
		snprintf(destination, sizeof destination, "%s", log_name);
	else
		snprintf(destination, sizeof destination, "%s%s (%s could not be written: %s)",
			 wrote_log ? log_name : "", wrote_log ? " and stderr" : "stderr", log_name, log_why);
	ilock_release(&out_lock);
	return destination;
}

void output_write(const struct outbuf *ob)
{
	int saved = errno;      /* never disturb the program's errno */
	if (!ob->data || !ob->len)
		return;
	int cancel_state;       /* write is a cancellation point; never unwind with out_lock held */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	ilock_acquire(&out_lock);
	int done = 0;
	if (cfg.log_path) {
		int fd = log_fd();
		if (fd >= 0) {
			int err = output_write_fd(fd, ob->data, ob->len);
			if (err == 0) {
				wrote_log = 1;
				done = 1;
			} else {
				log_fails(strerror(err));
			}
		}
	}
	if (!done)
		write_to_stderr(ob);
	ilock_release(&out_lock);
	pthread_setcancelstate(cancel_state, NULL);
	errno = saved;
}

/* ---------------------------------------------------------------- warnings */

static void format_warning(struct outbuf *ob, const char *message)
{
	if (cfg.format == FMT_JSON) {
		ob_printf(ob, "{\"coffman\":1,\"pid\":%d,\"kind\":\"warning\",\"message\":", (int)getpid());
		ob_json_string(ob, message);
		ob_puts(ob, "}\n");
	} else {
		ob_line(ob, "coffman: warning: %s", message);
	}
}

void output_warn(const char *fmt, ...)
{
	struct outbuf msg, ob;
	va_list ap;
	ob_init(&msg);
	ob_init(&ob);
	va_start(ap, fmt);
	ob_vprintf(&msg, fmt, ap);
	va_end(ap);
	format_warning(&ob, msg.data ? msg.data : "");
	output_write(&ob);
	ob_free(&msg);
	ob_free(&ob);
}
