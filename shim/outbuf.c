/* The text every writer builds before output.c writes it: a growable buffer in coffman's own memory,
 * report lines with the "==PID== " prefix and terminal-unsafe bytes escaped as \xNN, and JSON string
 * literals that are always valid JSON.  Pure string work: no descriptor, no lock (outbuf.h). */
#include "outbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void ob_vprintf(struct outbuf *ob, const char *fmt, va_list ap)
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

void ob_write(struct outbuf *ob, const char *s, size_t n)
{
	if (ob_reserve(ob, n) != 0)
		return;
	memcpy(ob->data + ob->len, s, n);
	ob->len += n;
	ob->data[ob->len] = '\0';
}

void ob_puts(struct outbuf *ob, const char *s)
{
	ob_write(ob, s, strlen(s));
}

void ob_printf(struct outbuf *ob, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ob_vprintf(ob, fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 if s does not start one. */
static int utf8_sequence(const unsigned char *s)
{
	unsigned char c = s[0];
	int len;
	unsigned char lo = 0x80, hi = 0xbf;     /* allowed range of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c == 0xe0)
		len = 3, lo = 0xa0;
	else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		len = 3;
	else if (c == 0xed)
		len = 3, hi = 0x9f;             /* no UTF-16 surrogates */
	else if (c == 0xf0)
		len = 4, lo = 0x90;
	else if (c >= 0xf1 && c <= 0xf3)
		len = 4;
	else if (c == 0xf4)
		len = 4, hi = 0x8f;
	else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* What a terminal could act on: C0 and C1 control characters, DEL, and bytes that are not UTF-8 (a
 * terminal in an 8-bit mode reads a lone 0x9b as CSI).  0 = print the len bytes at s as they are. */
static int needs_escape(const unsigned char *s, int len)
{
	return len == 0 || s[0] < 0x20 || s[0] == 0x7f || (len == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

/* Escape, as \xNN per byte, everything from offset start on that a terminal could act on. */
static void escape_from(struct outbuf *ob, size_t start)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = start;
	if (ob->failed || !ob->data)
		return;
	while (i < ob->len) {
		int len = utf8_sequence((const unsigned char *)ob->data + i);
		if (needs_escape((const unsigned char *)ob->data + i, len))
			break;
		i += (size_t)len;
	}
	if (i >= ob->len)
		return;                 /* the common case: nothing to escape */
	size_t n = ob->len - start;
	unsigned char *copy = malloc(n + 1);
	if (!copy) {
		/* No memory to expand: blank the offending bytes rather than print them raw. */
		for (; i < ob->len; i++)
			if ((unsigned char)ob->data[i] < 0x20 || (unsigned char)ob->data[i] >= 0x7f)
				ob->data[i] = '?';
		return;
	}
	memcpy(copy, ob->data + start, n);
	copy[n] = '\0';
	ob->len = start;
	for (const unsigned char *p = copy; p < copy + n;) {
		int len = utf8_sequence(p);
		size_t k = len ? (size_t)len : 1;
		if (!needs_escape(p, len)) {
			ob_write(ob, (const char *)p, k);
		} else {
			for (size_t j = 0; j < k; j++) {
				char esc[4] = { '\\', 'x', hex[p[j] >> 4], hex[p[j] & 15] };
				ob_write(ob, esc, sizeof esc);
			}
		}
		p += k;
	}
	free(copy);
}

void ob_line(struct outbuf *ob, const char *fmt, ...)
{
	va_list ap;
	ob_printf(ob, "==%d== ", (int)getpid());
	size_t start = ob->len;
	va_start(ap, fmt);
	ob_vprintf(ob, fmt, ap);
	va_end(ap);
	escape_from(ob, start);
	ob_puts(ob, "\n");
}

void ob_json_string(struct outbuf *ob, const char *s)
{
	char buf[256];
	size_t n = 0;
	if (!s) {
		ob_puts(ob, "null");
		return;
	}
	buf[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		/* Room for the longest piece (two 6-byte escapes) and the terminator. */
		if (n + 16 >= sizeof buf) {
			buf[n] = '\0';
			ob_puts(ob, buf);
			n = 0;
		}
		int len = utf8_sequence(p);
		if (*p == '"' || *p == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)*p++;
		} else if (len == 2 && needs_escape(p, len)) {
			/* A C1 control character: valid JSON raw, but not for a terminal showing the log. */
			n += (size_t)snprintf(buf + n, sizeof buf - n, "\\u%04x", (unsigned)(((p[0] & 0x1f) << 6) | (p[1] & 0x3f)));
			p += 2;
		} else if (*p < 0x20 || *p == 0x7f || len == 0) {
			/* Control characters, and stray bytes that are not UTF-8 (shown as the Latin-1 character
			 * of the same value, which keeps the output valid and the byte recognisable). */
			n += (size_t)snprintf(buf + n, sizeof buf - n, "\\u%04x", (unsigned)*p++);
		} else {
			for (int i = 0; i < len; i++)
				buf[n++] = (char)*p++;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
	ob_puts(ob, buf);
}
