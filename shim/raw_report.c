/* The last-resort writer (raw_report.h): a double-lock report built by hand in a fixed buffer, as text
 * or JSON, with frames as object+offset, then _exit.  No allocation, no stdio, no internal lock. */
#include "raw_report.h"
#include "config.h"
#include "output.h"
#include "elf_symbols.h"

#include <string.h>
#include <unistd.h>

/* A fixed buffer filled by hand: snprintf is not async-signal-safe. */
struct rawbuf {
	char data[4096];
	size_t len;
};

static void put(struct rawbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (n > sizeof b->data - b->len)
		n = sizeof b->data - b->len;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void put_dec(struct rawbuf *b, long v)
{
	char tmp[24];
	int i = sizeof tmp;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	tmp[--i] = '\0';
	do
		tmp[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		tmp[--i] = '-';
	put(b, tmp + i);
}

static void put_hex(struct rawbuf *b, uintptr_t v)
{
	char tmp[2 + 2 * sizeof v + 1];
	int i = sizeof tmp;
	tmp[--i] = '\0';
	do
		tmp[--i] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) != 0);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	put(b, tmp + i);
}

static void line_start(struct rawbuf *b)
{
	put(b, "==");
	put_dec(b, getpid());
	put(b, "== ");
}

/* JSON strings here are our own text and file names: escape only what JSON requires. */
static void put_json_string(struct rawbuf *b, const char *s)
{
	put(b, "\"");
	for (; *s; s++) {
		char c[3] = { *s, 0, 0 };
		if (*s == '"' || *s == '\\') {
			c[0] = '\\';
			c[1] = *s;
		} else if ((unsigned char)*s < 0x20) {
			c[0] = '?';
		}
		put(b, c);
	}
	put(b, "\"");
}

/* The object holding the call before return address pc, and the call's offset in it, which is what
 * addr2line wants (read from the loaded objects' headers: dladdr would take the loader's lock). */
static const char *object_of(uintptr_t pc, uintptr_t *offset, char *exe, size_t exe_len)
{
	struct elf_addr_info info;
	if (!pc || !elf_addr_lookup(pc - 1, &info))
		return NULL;
	*offset = pc - 1 - info.base;
	const char *path = info.path;
	if (!path[0]) {
		elf_main_program_path(exe, exe_len);
		path = exe;
	}
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path[0] ? path : NULL;
}

static const char summary_tail[] = " that it already holds: it would wait for itself forever";
static const char note[] =
	"a signal handler takes it while this thread, interrupted inside the checker, holds it: "
	"written without symbols (frames are object+offset); the process is ended with the exit code "
	"instead of hanging";

static void text_frame(struct rawbuf *b, const char *label, uintptr_t pc)
{
	uintptr_t off = 0;
	char exe[512];          /* on a signal stack: small */
	const char *obj = object_of(pc, &off, exe, sizeof exe);
	line_start(b);
	put(b, "\n");
	line_start(b);
	put(b, "  ");
	put(b, label);
	put(b, ":\n");
	line_start(b);
	put(b, "    #0 ");
	put_hex(b, pc);
	if (obj) {
		put(b, " (");
		put(b, obj);
		put(b, "+");
		put_hex(b, off);
		put(b, ")");
	}
	put(b, "\n");
}

static void text_report(struct rawbuf *b, const struct raw_double_lock *d)
{
	line_start(b);
	put(b, "coffman: double-lock: T");
	put_dec(b, d->thread_num);
	put(b, " acquires L1 (");
	put(b, d->kind);
	put(b, ")");
	put(b, summary_tail);
	put(b, "\n");
	line_start(b);
	put(b, "  ");
	put(b, note);
	put(b, "\n");
	line_start(b);
	put(b, "  L1: ");
	put(b, d->kind);
	put(b, " at ");
	put_hex(b, (uintptr_t)d->lock);
	put(b, "\n");
	text_frame(b, "acquired again here", d->pc);
	text_frame(b, "already held since", d->held_pc);
	line_start(b);
	put(b, "\n");
	line_start(b);
	put(b, "  T");
	put_dec(b, d->thread_num);
	put(b, " (tid ");
	put_dec(b, d->tid);
	put(b, d->thread_num == 1 ? ") is the main thread\n" : ")\n");
	line_start(b);
	put(b, "\n");
}

static void json_frame(struct rawbuf *b, const char *label, uintptr_t pc)
{
	uintptr_t off = 0;
	char exe[512];          /* on a signal stack: small */
	const char *obj = object_of(pc, &off, exe, sizeof exe);
	put(b, "{\"label\":");
	put_json_string(b, label);
	put(b, ",\"frames\":[{\"function\":null,\"file\":null,\"line\":null,\"pc\":\"");
	put_hex(b, pc);
	put(b, "\",\"object\":");
	if (obj)
		put_json_string(b, obj);
	else
		put(b, "null");
	put(b, ",\"inlined\":false}]}");
}

static void json_report(struct rawbuf *b, const struct raw_double_lock *d)
{
	put(b, "{\"coffman\":1,\"pid\":");
	put_dec(b, getpid());
	put(b, ",\"kind\":\"double-lock\",\"summary\":\"T");
	put_dec(b, d->thread_num);
	put(b, " acquires L1 (");
	put(b, d->kind);
	put(b, ")");
	put(b, summary_tail);
	put(b, "\",\"note\":");
	put_json_string(b, note);
	put(b, ",\"cycle\":[],\"threads\":[{\"id\":\"T");
	put_dec(b, d->thread_num);
	put(b, "\",\"num\":");
	put_dec(b, d->thread_num);
	put(b, ",\"tid\":");
	put_dec(b, d->tid);
	put(b, ",\"name\":null,\"main\":");
	put(b, d->thread_num == 1 ? "true" : "false");
	put(b, ",\"created_by\":null,\"create_stack\":[]}],\"locks\":[{\"id\":\"L1\",\"address\":\"");
	put_hex(b, (uintptr_t)d->lock);
	put(b, "\",\"name\":null,\"type\":");
	put_json_string(b, d->kind);
	put(b, ",\"created\":null}],\"edges\":[],\"waits\":[],\"stacks\":[");
	json_frame(b, "acquired again here", d->pc);
	put(b, ",");
	json_frame(b, "already held since", d->held_pc);
	put(b, "]}\n");
}

void raw_report_double_lock(const struct raw_double_lock *d)
{
	static struct rawbuf b;         /* one fatal report per process: the caller claimed termination */
	b.len = 0;
	if (cfg.format == FMT_JSON)
		json_report(&b, d);
	else
		text_report(&b, d);
	struct outbuf ob = { .data = b.data, .len = b.len, .cap = sizeof b.data };
	output_write(&ob);
	_exit(cfg.exitcode ? cfg.exitcode : 66);
}
