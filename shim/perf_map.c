/* perf_map: the perf map of a process that compiles code at run time.
 *
 * Code a JIT made is in no ELF object, so neither libdw nor the loader can name it, and a report shows
 * its frames as "?? (?)".  JITs write what they made where perf looks for it: /tmp/perf-<pid>.map, one
 * line "START SIZE NAME" per function (hex without 0x; a later line for the same code wins, the
 * code having been replaced).  Mono (--jitmap), Node.js (--perf-basic-prof), .NET
 * (DOTNET_PerfMapEnabled=1), Python 3.12 (-X perf), LuaJIT and the JVM (perf-map-agent) write it.
 *
 * The file is read only at report time (a report's frames that no object claims), opened without
 * following a symbolic link, without blocking (O_NONBLOCK: a FIFO planted there cannot hold the
 * report up), and used only if it is a regular file of this process's effective user: a name in /tmp
 * that another user made is not believed.  A map can be tens of MB (Node.js names every function it
 * compiles), and the profile at exit names thousands of frames, so the file is parsed once into a
 * sorted table (coffman's own allocator: libcoffman's malloc is mem.c's), parsed again only when its
 * size or modification time has changed; at most 256 MB of it.
 */
#include "perf_map.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

#define PERF_MAP_MAX_BYTES (256ul << 20)
#define COVER_LOOKBACK 64       /* earlier-starting entries checked for a covering, later line */

struct jit_sym {
	uintptr_t lo, hi;
	uint32_t name;          /* offset in names */
	uint32_t seq;           /* line order: a later line for the same code wins */
};

/* The parsed map, and which file state it is of. */
static struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct jit_sym *syms;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
} map;

static char chunk[16384];

static int open_map(struct stat *st)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_uid != geteuid()) {
		close(fd);
		return -1;
	}
	/* Out of the program's descriptor range for the reads (output.h). */
	int high = fcntl(fd, F_DUPFD_CLOEXEC, PRIVATE_FD_FLOOR);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	return fd;
}

static int hex_field(const char **p, uintptr_t *out)
{
	const char *s = *p;
	uintptr_t v = 0;
	int digits = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++, digits++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits >= 16)
			return 0;
		v = v << 4 | (uintptr_t)d;
	}
	if (!digits || *s != ' ')
		return 0;
	*out = v;
	*p = s + 1;
	return 1;
}

/* One line (NUL-terminated, no newline) into the table; 0 only when memory ran out. */
static int add_line(const char *line)
{
	uintptr_t lo, size;
	if (!hex_field(&line, &lo) || !hex_field(&line, &size) || !size || !*line || lo + size < lo)
		return 1;
	size_t len = strlen(line) + 1;
	if (map.n == map.cap) {
		size_t cap = map.cap ? 2 * map.cap : 1024;
		struct jit_sym *syms = realloc(map.syms, cap * sizeof *syms);
		if (!syms)
			return 0;
		map.syms = syms;
		map.cap = cap;
	}
	if (map.names_len + len > map.names_cap) {
		size_t cap = map.names_cap ? 2 * map.names_cap : 16384;
		while (cap < map.names_len + len)
			cap *= 2;
		char *names = realloc(map.names, cap);
		if (!names)
			return 0;
		map.names = names;
		map.names_cap = cap;
	}
	memcpy(map.names + map.names_len, line, len);
	map.syms[map.n] = (struct jit_sym){ lo, lo + size, (uint32_t)map.names_len, (uint32_t)map.n };
	map.names_len += len;
	map.n++;
	return 1;
}

static int by_start(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A merge sort, not qsort (coffman's own is a heapsort: 0.3-0.5 s for Node.js's 600,000 lines): a
 * JIT appends its functions in the order it made them, mostly at rising addresses, and merging skips
 * halves already in order, so a map that is nearly sorted sorts in nearly linear time. */
static void merge_sort(struct jit_sym *a, struct jit_sym *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t half = n / 2;
	merge_sort(a, tmp, half);
	merge_sort(a + half, tmp, n - half);
	if (by_start(&a[half - 1], &a[half]) <= 0)
		return;
	memcpy(tmp, a, half * sizeof *a);
	size_t i = 0, j = half, k = 0;
	while (i < half && j < n)
		a[k++] = by_start(&a[j], &tmp[i]) < 0 ? a[j++] : tmp[i++];
	while (i < half)
		a[k++] = tmp[i++];
}

static void sort_entries(void)
{
	struct jit_sym *tmp = map.n > 1 ? malloc((map.n / 2) * sizeof *tmp) : NULL;
	if (tmp)
		merge_sort(map.syms, tmp, map.n);
	else
		qsort(map.syms, map.n, sizeof *map.syms, by_start);
	free(tmp);
}

static void parse(int fd)
{
	map.n = map.names_len = 0;
	size_t have = 0, total = 0;
	int room = 1;
	while (room && total < PERF_MAP_MAX_BYTES) {
		ssize_t n = read(fd, chunk + have, sizeof chunk - 1 - have);
		if (n <= 0)
			break;
		total += (size_t)n;
		have += (size_t)n;
		chunk[have] = '\0';
		char *line = chunk, *nl;
		while (room && (nl = memchr(line, '\n', have - (size_t)(line - chunk))) != NULL) {
			*nl = '\0';
			room = add_line(line);
			line = nl + 1;
		}
		have -= (size_t)(line - chunk);
		memmove(chunk, line, have);
		if (have == sizeof chunk - 1)
			have = 0;       /* a line longer than the buffer: not a map line, dropped */
	}
	if (room && have) {
		chunk[have] = '\0';
		add_line(chunk);
	}
	sort_entries();
}

static int same_file(const struct stat *st)
{
	return map.dev == st->st_dev && map.ino == st->st_ino && map.size == st->st_size &&
	       map.mtime.tv_sec == st->st_mtim.tv_sec && map.mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The entry that covers addr and came last in the file, among those starting at or below it. */
static const struct jit_sym *covering(uintptr_t addr)
{
	size_t lo = 0, hi = map.n;      /* first entry starting above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (map.syms[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct jit_sym *best = NULL;
	for (size_t i = lo, k = 0; i > 0 && k < COVER_LOOKBACK; i--, k++) {
		const struct jit_sym *s = &map.syms[i - 1];
		if (addr < s->hi && (!best || s->seq > best->seq))
			best = s;
	}
	return best;
}

int perf_map_lookup(uintptr_t addr, char *name, size_t len, uintptr_t *start, char *file, size_t file_len)
{
	struct stat st;
	int fd = open_map(&st);
	if (fd < 0)
		return 0;
	if (!same_file(&st)) {
		parse(fd);
		map.dev = st.st_dev;
		map.ino = st.st_ino;
		map.size = st.st_size;
		map.mtime = st.st_mtim;
	}
	close(fd);
	const struct jit_sym *s = covering(addr);
	if (!s)
		return 0;
	/* The map's name only with a name from it: a frame the map does not cover (a JIT's code the
	 * map does not list, as V8's per-isolate copies of its builtins) stays "?? (?)". */
	snprintf(name, len, "%s", map.names + s->name);
	snprintf(file, file_len, "perf-%d.map", (int)getpid());
	*start = s->lo;
	return 1;
}
