#include "output.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* High enough that programs' own descriptor numbers rarely reach it. */
#define PRIVATE_FD_FLOOR 900

struct sink {
	int fd;
	dev_t dev;
	ino_t ino;
};

static struct sink err_sink = { -1, 0, 0 };
static struct sink log_sink = { -1, 0, 0 };
static char log_name[4096];

static void sink_remember(struct sink *s, int fd)
{
	struct stat st;
	s->fd = fd;
	if (fd >= 0 && fstat(fd, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
}

/* The descriptor is still the file we opened (not closed, not reused by the program). */
static int sink_intact(const struct sink *s)
{
	struct stat st;
	return s->fd >= 0 && fstat(s->fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
}

void output_init(void)
{
	int fd = fcntl(2, F_DUPFD_CLOEXEC, PRIVATE_FD_FLOOR);
	if (fd < 0)
		fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	sink_remember(&err_sink, fd);
}

void output_after_fork_child(void)
{
	/* With %p the child needs its own file; without it, reopening in append mode is equivalent. */
	if (log_sink.fd >= 0)
		close(log_sink.fd);
	log_sink.fd = -1;
}

static void expand_log_path(char *dst, size_t cap, const char *pattern)
{
	size_t o = 0;
	for (const char *p = pattern; *p && o + 1 < cap; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			int n = snprintf(dst + o, cap - o, "%d", (int)getpid());
			if (n < 0 || (size_t)n >= cap - o)
				break;
			o += (size_t)n;
			p++;
		} else {
			dst[o++] = *p;
		}
	}
	dst[o] = '\0';
}

static int open_log(void)
{
	if (log_sink.fd >= 0 && sink_intact(&log_sink))
		return log_sink.fd;
	expand_log_path(log_name, sizeof log_name, cfg.log_path);
	int fd = open(log_name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, PRIVATE_FD_FLOOR);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	sink_remember(&log_sink, fd);
	return fd;
}

const char *output_destination(void)
{
	if (!cfg.log_path)
		return "stderr";
	if (!log_name[0])
		expand_log_path(log_name, sizeof log_name, cfg.log_path);
	return log_name;
}

static int report_fd(void)
{
	if (cfg.log_path) {
		int fd = open_log();
		if (fd >= 0)
			return fd;
	}
	return sink_intact(&err_sink) ? err_sink.fd : -1;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

void output_write(const struct outbuf *ob)
{
	int saved = errno;      /* never disturb the program's errno */
	int fd = report_fd();
	if (fd >= 0 && ob->data)
		write_all(fd, ob->data, ob->len);
	errno = saved;
}

void ob_init(struct outbuf *ob)
{
	memset(ob, 0, sizeof *ob);
}

void ob_free(struct outbuf *ob)
{
	free(ob->data);
	memset(ob, 0, sizeof *ob);
}

static int ob_reserve(struct outbuf *ob, size_t extra)
{
	if (ob->failed)
		return -1;
	if (ob->len + extra + 1 <= ob->cap)
		return 0;
	size_t cap = ob->cap ? ob->cap : 1024;
	while (cap < ob->len + extra + 1)
		cap *= 2;
	char *p = realloc(ob->data, cap);
	if (!p) {
		ob->failed = 1;
		return -1;
	}
	ob->data = p;
	ob->cap = cap;
	return 0;
}

static void ob_vprintf(struct outbuf *ob, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || ob_reserve(ob, (size_t)n) != 0)
		return;
	vsnprintf(ob->data + ob->len, ob->cap - ob->len, fmt, ap);
	ob->len += (size_t)n;
}

void ob_puts(struct outbuf *ob, const char *s)
{
	size_t n = strlen(s);
	if (ob_reserve(ob, n) != 0)
		return;
	memcpy(ob->data + ob->len, s, n + 1);
	ob->len += n;
}

void ob_printf(struct outbuf *ob, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ob_vprintf(ob, fmt, ap);
	va_end(ap);
}

void ob_line(struct outbuf *ob, const char *fmt, ...)
{
	va_list ap;
	ob_printf(ob, "==%d== ", (int)getpid());
	va_start(ap, fmt);
	ob_vprintf(ob, fmt, ap);
	va_end(ap);
	ob_puts(ob, "\n");
}

void output_warn(const char *fmt, ...)
{
	struct outbuf ob;
	va_list ap;
	ob_init(&ob);
	ob_printf(&ob, "==%d== coffman: warning: ", (int)getpid());
	va_start(ap, fmt);
	ob_vprintf(&ob, fmt, ap);
	va_end(ap);
	ob_puts(&ob, "\n");
	output_write(&ob);
	ob_free(&ob);
}
