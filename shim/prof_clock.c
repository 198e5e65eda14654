/* The contention profile's clock (prof_clock.h): the invariant-TSC check, and the tick rate measured
 * against CLOCK_MONOTONIC over the time since load. */
#include "prof_clock.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int prof_clock_tsc;

static uint64_t base_ticks, base_ns;    /* one reading of both clocks, at load */
static double ns_per_tick = 1.0;

/* Whether the "flags" line of /proc/cpuinfo (the first CPU's: all CPUs of a machine share these two)
 * lists both words.  Read with plain system calls: no stdio inside the shim's constructor. */
static int cpu_flags_have(const char *a, const char *b)
{
	char buf[8192];
	size_t len = 0;
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (len == sizeof buf - 1 || strstr(buf, "\nflags"))
			break;
	}
	close(fd);
	buf[len] = '\0';
	char *line = strstr(buf, "\nflags");
	if (!line)
		return 0;
	char *end = strchr(line + 1, '\n');
	if (!end)
		return 0;               /* cut off: not sure, so no */
	*end = ' ';
	end[1] = '\0';
	char word[64];
	int found = 0;
	for (int i = 0; i < 2; i++) {
		snprintf(word, sizeof word, " %s ", i ? b : a);
		found += strstr(line, word) != NULL;
	}
	return found == 2;
}

/* Both clocks read as close together as possible: the TSC on either side of CLOCK_MONOTONIC. */
static void read_pair(uint64_t *ticks, uint64_t *ns)
{
	uint64_t t0 = prof_ticks();
	*ns = now_ns();
	uint64_t t1 = prof_ticks();
	*ticks = t0 + (t1 - t0) / 2;
}

/* Whether rdtsc is really the cheaper clock here: a hypervisor may trap it (microseconds a read), and
 * the flags do not say so.  64 reads of each, timed; a few microseconds, once, with profiling on. */
static int tsc_cheaper(void)
{
#if PROF_CLOCK_HAVE_TSC
	volatile uint64_t sink = 0;
	uint64_t t0 = now_ns();
	for (int i = 0; i < 64; i++)
		sink += __rdtsc();
	uint64_t t1 = now_ns();
	for (int i = 0; i < 64; i++)
		sink += now_ns();
	uint64_t t2 = now_ns();
	(void)sink;
	return t1 - t0 <= t2 - t1;
#else
	return 0;
#endif
}

void prof_clock_init(void)
{
	prof_clock_tsc = PROF_CLOCK_HAVE_TSC && cpu_flags_have("constant_tsc", "nonstop_tsc") && tsc_cheaper();
	read_pair(&base_ticks, &base_ns);
}

void prof_clock_calibrate(void)
{
	if (!prof_clock_tsc) {
		ns_per_tick = 1.0;
		return;
	}
	uint64_t ticks, ns;
	/* A very short run: wait out 1 ms, so that the readings' own jitter (tens of ns) is below 1e-4. */
	do
		read_pair(&ticks, &ns);
	while (ns - base_ns < 1000000);
	if (ticks > base_ticks)
		ns_per_tick = (double)(ns - base_ns) / (double)(ticks - base_ticks);
}

uint64_t prof_ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)((double)ticks * ns_per_tick + 0.5);
}
