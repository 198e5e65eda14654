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
 * that another user made is not believed.  Read with read() into a static buffer (the caller's lock
 * serialises): no allocation, so the program's allocator is never called.  The whole file is scanned
 * per address (the symbolizer caches each address's answer); at most 256 MB of it.
 */
#include "perf_map.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

#define PERF_MAP_MAX_BYTES (256ul << 20)

static char chunk[16384];

static int open_map(char *file, size_t file_len)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return -1;
	}
	/* Out of the program's descriptor range for the few reads (output.h). */
	int high = fcntl(fd, F_DUPFD_CLOEXEC, PRIVATE_FD_FLOOR);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	snprintf(file, file_len, "perf-%d.map", (int)getpid());
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

/* One line (NUL-terminated, no newline): whether it covers addr, and then its name. */
static int line_covers(const char *line, uintptr_t addr, char *name, size_t len, uintptr_t *start)
{
	uintptr_t lo, size;
	if (!hex_field(&line, &lo) || !hex_field(&line, &size) || addr < lo || addr - lo >= size || !*line)
		return 0;
	snprintf(name, len, "%s", line);
	*start = lo;
	return 1;
}

int perf_map_lookup(uintptr_t addr, char *name, size_t len, uintptr_t *start, char *file, size_t file_len)
{
	int fd = open_map(file, file_len);
	if (fd < 0)
		return 0;
	int found = 0;
	size_t have = 0, total = 0;
	for (;;) {
		ssize_t n = read(fd, chunk + have, sizeof chunk - 1 - have);
		if (n <= 0)
			break;
		total += (size_t)n;
		have += (size_t)n;
		chunk[have] = '\0';
		char *line = chunk, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - chunk))) != NULL) {
			*nl = '\0';
			found |= line_covers(line, addr, name, len, start);
			line = nl + 1;
		}
		have -= (size_t)(line - chunk);
		memmove(chunk, line, have);
		if (have == sizeof chunk - 1)
			have = 0;       /* a line longer than the buffer: not a map line, dropped */
		if (total >= PERF_MAP_MAX_BYTES)
			break;
	}
	if (have) {
		chunk[have] = '\0';
		found |= line_covers(chunk, addr, name, len, start);
	}
	close(fd);
	return found;
}
