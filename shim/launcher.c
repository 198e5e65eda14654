/* coffman: run a program with libcoffman.so preloaded.
 *
 *   coffman [OPTIONS] [--] PROGRAM [ARGS...]
 *
 * Options mirror the COFFMAN_* variables and are passed to the program's environment; the program is
 * exec'ed in place, so its exit status is coffman's.  The library is found where COFFMAN_LIB says, else
 * next to this executable in a build tree (.libs/libcoffman.so), else in the installed libdir as seen
 * from this executable (find_library: an installation moved as a whole, or staged under DESTDIR, finds
 * its own library), else in the configured libdir; a path with a space or a colon is preloaded through
 * a private link (preload_link.h).  A statically linked program cannot be checked (nothing to
 * interpose): say so in one line, then run it.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "preload_link.h"

#ifndef COFFMAN_LIBDIR
#define COFFMAN_LIBDIR "/usr/local/lib"
#endif
#ifndef COFFMAN_BINDIR
#define COFFMAN_BINDIR "/usr/local/bin"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

static const char usage[] =
	"usage: coffman [OPTIONS] [--] PROGRAM [ARGS...]\n"
	"Run PROGRAM with the coffman lock checker preloaded (no recompilation).\n"
	"\n"
	"Options (each sets the environment variable in brackets):\n"
	"  --watchdog=SECS          report a thread blocked longer than SECS in a wait that others depend\n"
	"                           on as a hang [COFFMAN_WATCHDOG]\n"
	"  --watchdog-action=ACT    exit (default), abort (core dump) or report (keep running)\n"
	"                           [COFFMAN_WATCHDOG_ACTION]\n"
	"  --watchdog-idle          also report idle waits: a condition, semaphore or barrier wait that\n"
	"                           holds no lock and that nobody joins or waits for (by default a\n"
	"                           sleeping server thread is not a hang) [COFFMAN_WATCHDOG_IDLE]\n"
	"  --log=PATH               write reports to PATH instead of stderr; %p is the pid [COFFMAN_LOG]\n"
	"  --exitcode=N             exit status after a report, 0 keeps the program's own (default 66)\n"
	"                           [COFFMAN_EXITCODE]\n"
	"  --format=text|json       report format [COFFMAN_FORMAT]\n"
	"  --suppressions=FILE      do not report what FILE's KIND:PATTERN rules match [COFFMAN_SUPPRESSIONS]\n"
	"  --sarif=FILE             also write findings as SARIF 2.1.0 to FILE at exit [COFFMAN_SARIF]\n"
	"  --classes=site|none      group locks by creation site, lockdep-style [COFFMAN_CLASSES]\n"
	"  --show-gated             also print cycles that a common gate lock makes safe [COFFMAN_SHOW_GATED]\n"
	"  --held-stacks            record the full stack of every held lock (slower) [COFFMAN_HELD_STACKS]\n"
	"  --all-instances          report every instance of a bug, not once with a count of instances\n"
	"                           [COFFMAN_ALL_INSTANCES]\n"
	"  --on-report=WHAT         continue (default); stop: after each report the process stops (SIGSTOP)\n"
	"                           and prints the gdb command that attaches to it; stop-fatal: only before\n"
	"                           the checker ends the process (double-lock, deadlock, hang) [COFFMAN_ON_REPORT]\n"
	"  --graph-dir=DIR          every process (children too) writes its lock-order graph by lock class\n"
	"                           into DIR, for `coffman-graph cycles DIR` [COFFMAN_GRAPH_DIR]\n"
	"  --starvation=MS[,COUNT]  report a thread that waited MS ms for a lock others re-took COUNT\n"
	"                           times meanwhile, or whose waits add up to 2*MS while the re-taker\n"
	"                           hardly waits (default 100,100; off: never) [COFFMAN_STARVATION]\n"
	"  --profile=PATH           contention profile: at exit a table of the locks with most wait time,\n"
	"                           PATH for `go tool pprof` (wait by waiter and by holder stack) and\n"
	"                           PATH.folded for flame graphs; %p is the pid [COFFMAN_PROFILE]\n"
	"  --no-hugepages           keep coffman's own tables out of huge pages: a table's growth then\n"
	"                           never waits for the kernel to compact memory, at the price of more\n"
	"                           page faults per new lock (sets it to 0) [COFFMAN_HUGEPAGES]\n"
	"  -h, --help               this text\n"
	"  --version                print the version\n"
	"\n"
	"Exit status: PROGRAM's own, or 66 (--exitcode) if coffman reported anything.\n"
	"2 if coffman itself was used wrongly; 127 if PROGRAM cannot be run.\n";

struct option_map {
	const char *flag;
	const char *var;
	int takes_value;
	const char *set;                /* a flag's value for var (NULL: "1") */
};

static const struct option_map options[] = {
	{ "--watchdog", "COFFMAN_WATCHDOG", 1, NULL },
	{ "--watchdog-action", "COFFMAN_WATCHDOG_ACTION", 1, NULL },
	{ "--watchdog-idle", "COFFMAN_WATCHDOG_IDLE", 0, NULL },
	{ "--log", "COFFMAN_LOG", 1, NULL },
	{ "--exitcode", "COFFMAN_EXITCODE", 1, NULL },
	{ "--format", "COFFMAN_FORMAT", 1, NULL },
	{ "--suppressions", "COFFMAN_SUPPRESSIONS", 1, NULL },
	{ "--sarif", "COFFMAN_SARIF", 1, NULL },
	{ "--classes", "COFFMAN_CLASSES", 1, NULL },
	{ "--show-gated", "COFFMAN_SHOW_GATED", 0, NULL },
	{ "--held-stacks", "COFFMAN_HELD_STACKS", 0, NULL },
	{ "--all-instances", "COFFMAN_ALL_INSTANCES", 0, NULL },
	{ "--on-report", "COFFMAN_ON_REPORT", 1, NULL },
	{ "--graph-dir", "COFFMAN_GRAPH_DIR", 1, NULL },
	{ "--starvation", "COFFMAN_STARVATION", 1, NULL },
	{ "--profile", "COFFMAN_PROFILE", 1, NULL },
	{ "--no-hugepages", "COFFMAN_HUGEPAGES", 0, "0" },
	{ NULL, NULL, 0, NULL },
};

static void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "coffman: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(coffman --help lists the options)\n");
	exit(2);
}

static int is_seconds(const char *s)
{
	double v;
	return config_parse_seconds(s, &v) == 0;
}

static int is_exitcode(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return end != s && *end == '\0' && errno == 0 && v >= 0 && v <= 255;
}

static int one_of(const char *s, const char *a, const char *b, const char *c)
{
	return strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c && strcmp(s, c) == 0);
}

/* Bad values are refused here, before anything runs: a typo on the command line is an error. */
static void validate(const char *flag, const char *value)
{
	int ok = 1;
	char expected[96] = "";
	if (strcmp(flag, "--watchdog") == 0) {
		ok = is_seconds(value);
		snprintf(expected, sizeof expected, " (seconds: above 0, at most %.0f, a year)", CONFIG_SECONDS_MAX);
	}
	else if (strcmp(flag, "--exitcode") == 0)
		ok = is_exitcode(value);
	else if (strcmp(flag, "--watchdog-action") == 0)
		ok = one_of(value, "exit", "abort", "report");
	else if (strcmp(flag, "--format") == 0)
		ok = one_of(value, "text", "json", NULL);
	else if (strcmp(flag, "--classes") == 0)
		ok = one_of(value, "site", "none", NULL);
	else if (strcmp(flag, "--on-report") == 0)
		ok = one_of(value, "continue", "stop", "stop-fatal");
	else if (strcmp(flag, "--starvation") == 0) {
		unsigned ms, count = 100;
		ok = config_parse_starvation(value, &ms, &count) == 0;
		snprintf(expected, sizeof expected, " (off, or MS[,COUNT])");
	}
	else if (value[0] == '\0')
		ok = 0;
	if (!ok) {
		char msg[256];
		snprintf(msg, sizeof msg, "bad value for %s: '%%s'%s", flag, expected);
		die_usage(msg, value);
	}
}

/* --log, --sarif, --profile, --suppressions, --graph-dir: made absolute, so that the file is where
 * the user ran coffman from, whatever directory the program (or a child it execs) has changed to by
 * the time it writes — a daemon's chdir("/") made "--log=report.log" write /report.log. */
static const char *absolute_path(const char *flag, const char *path)
{
	static char abs[PATH_MAX];
	char cwd[PATH_MAX];
	if (path[0] == '/' || !path[0] || !getcwd(cwd, sizeof cwd))
		return path;
	if ((size_t)snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= sizeof abs)
		die_usage("%s: path too long", flag);
	return abs;
}

/* --graph-dir: made absolute (children that change directory write to the same place) and created
 * if missing, with its parents; the processes write into it themselves. */
static const char *graph_dir(const char *dir)
{
	static char abs[PATH_MAX];
	snprintf(abs, sizeof abs, "%s", absolute_path("--graph-dir", dir));
	for (char *slash = strchr(abs + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(abs, 0777);
		*slash = '/';
	}
	if (mkdir(abs, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "coffman: cannot create the graph directory %s: %s\n", abs, strerror(errno));
		exit(2);
	}
	return abs;
}

/* Parse options; returns the index of PROGRAM in argv. */
static int parse_options(int argc, char **argv)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (strcmp(a, "--version") == 0) {
			printf("coffman %s\n", PACKAGE_VERSION);
			exit(0);
		}
		if (a[0] != '-')
			return i;
		const struct option_map *o = options;
		size_t len = strcspn(a, "=");
		for (; o->flag; o++)
			if (strlen(o->flag) == len && strncmp(o->flag, a, len) == 0)
				break;
		if (!o->flag)
			die_usage("unknown option '%s'", a);
		const char *value = a[len] == '=' ? a + len + 1 : NULL;
		if (o->takes_value && !value) {
			if (i + 1 >= argc)
				die_usage("option '%s' needs a value", a);
			value = argv[++i];
		}
		if (!o->takes_value && value)
			die_usage("option '%s' takes no value", a);
		if (o->takes_value)
			validate(o->flag, value);
		if (strcmp(o->flag, "--graph-dir") == 0)
			value = graph_dir(value);
		else if (strcmp(o->flag, "--log") == 0 || strcmp(o->flag, "--sarif") == 0 ||
			 strcmp(o->flag, "--profile") == 0 || strcmp(o->flag, "--suppressions") == 0)
			value = absolute_path(o->flag, value);
		setenv(o->var, o->takes_value ? value : o->set ? o->set : "1", 1);
	}
	return i;
}

static int readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The configured libdir relative to the configured bindir ("../lib/x86_64-linux-gnu" for /usr/bin and
 * /usr/lib/x86_64-linux-gnu), so that the launcher finds the library that was installed with it
 * wherever the pair now lives: under a DESTDIR, in a package unpacked into a scratch root, or a whole
 * prefix moved elsewhere.  0 if either directory is not absolute. */
static int libdir_from_bindir(char *out, size_t cap)
{
	const char *bin = COFFMAN_BINDIR, *lib = COFFMAN_LIBDIR;
	if (bin[0] != '/' || lib[0] != '/')
		return 0;
	/* Skip the leading path components the two share. */
	size_t common = 0, i = 0;
	for (;; i++) {
		int bin_end = bin[i] == '\0' || bin[i] == '/', lib_end = lib[i] == '\0' || lib[i] == '/';
		if (bin_end && lib_end)
			common = i;
		if (bin[i] != lib[i] || bin[i] == '\0')
			break;
	}
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = bin + common; *p; p++)
		if (*p == '/' && p[1] != '\0' && p[1] != '/')
			len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s..", len ? "/" : "");
	const char *rest = lib + common;
	while (*rest == '/')
		rest++;
	if (*rest)
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s", len ? "/" : "", rest);
	if (len == 0)
		len = (size_t)snprintf(out, cap, ".");
	return len < cap;
}

static void find_library(char *out, size_t cap)
{
	const char *env = getenv("COFFMAN_LIB");
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *dir = dirname(self);
		snprintf(out, cap, "%s/.libs/libcoffman.so", dir);
		if (readable(out))
			return;
		snprintf(out, cap, "%s/libcoffman.so", dir);
		if (readable(out))
			return;
		char rel[PATH_MAX];
		if (libdir_from_bindir(rel, sizeof rel)) {
			snprintf(out, cap, "%s/%s/libcoffman.so", dir, rel);
			if (readable(out))
				return;
		}
	}
	snprintf(out, cap, "%s/libcoffman.so", COFFMAN_LIBDIR);
}

/* Resolve PROGRAM as execvp would, to inspect it. */
static int resolve_program(const char *prog, char *out, size_t cap)
{
	if (strchr(prog, '/')) {
		snprintf(out, cap, "%s", prog);
		return access(out, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		snprintf(out, cap, "%.*s/%s", (int)len, len ? path : ".", prog);
		if (access(out, X_OK) == 0)
			return 1;
		path += len + (path[len] == ':');
	}
	return 0;
}

/* The program's file, mapped once for the checks below: reading its headers and its dynamic symbol
 * table from memory instead of one pread per symbol (a server such as mariadbd imports and exports
 * ~30,000 symbols: that was 30,000 system calls, ~30 ms, before every run). */
struct elf_file {
	const unsigned char *map;
	size_t size;
	const Elf64_Ehdr *eh;           /* NULL: not a 64-bit ELF file */
};

static int elf_open(const char *path, struct elf_file *f)
{
	memset(f, 0, sizeof *f);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)sizeof(Elf64_Ehdr))
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	f->map = map;
	f->size = (size_t)st.st_size;
	const Elf64_Ehdr *eh = map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64)
		f->eh = eh;
	return 0;
}

static void elf_close(struct elf_file *f)
{
	if (f->map)
		munmap((void *)f->map, f->size);
	f->map = NULL;
}

/* The n-th entry of a table at off with entries of entsize bytes, if it lies inside the file. */
static const void *elf_entry(const struct elf_file *f, Elf64_Off off, Elf64_Xword entsize, Elf64_Xword n, size_t need)
{
	if (entsize < need || off > f->size)
		return NULL;
	if (n > (f->size - off) / entsize)
		return NULL;
	Elf64_Off at = off + n * entsize;
	return at + need <= f->size ? f->map + at : NULL;
}

/* 1 if the file is an ELF executable without a program interpreter: nothing can be preloaded into it. */
static int is_static_elf(const struct elf_file *f)
{
	if (!f->eh)
		return 0;
	for (int i = 0; i < f->eh->e_phnum; i++) {
		const Elf64_Phdr *ph = elf_entry(f, f->eh->e_phoff, f->eh->e_phentsize, (Elf64_Xword)i, sizeof *ph);
		if (!ph)
			return 0;
		if (ph->p_type == PT_INTERP)
			return 0;
	}
	return f->eh->e_type == ET_EXEC;
}

/* Lock entry points whose import shows the program locks through what coffman interposes. */
static const char *const lock_imports[] = {
	"pthread_mutex_lock", "pthread_mutex_trylock", "pthread_mutex_timedlock", "pthread_mutex_clocklock",
	"pthread_rwlock_rdlock", "pthread_rwlock_wrlock", "pthread_spin_lock", "pthread_cond_wait",
	"pthread_once", "mtx_lock", NULL
};

struct imports {
	int locks;              /* imports a lock function coffman interposes */
	int raw_syscall;        /* imports syscall(2): may build its own locks on futex */
};

static void scan_imports(const struct elf_file *f, struct imports *out)
{
	const Elf64_Ehdr *eh = f->eh;
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *sh = elf_entry(f, eh->e_shoff, eh->e_shentsize, (Elf64_Xword)i, sizeof *sh);
		if (!sh || sh->sh_type != SHT_DYNSYM)
			continue;
		const Elf64_Shdr *strsh = elf_entry(f, eh->e_shoff, eh->e_shentsize, sh->sh_link, sizeof *strsh);
		if (!strsh || strsh->sh_offset > f->size || strsh->sh_size > f->size - strsh->sh_offset)
			return;
		const char *names = (const char *)f->map + strsh->sh_offset;
		for (Elf64_Xword k = 0; sh->sh_entsize && k < sh->sh_size / sh->sh_entsize; k++) {
			const Elf64_Sym *sym = elf_entry(f, sh->sh_offset, sh->sh_entsize, k, sizeof *sym);
			if (!sym)
				break;
			if (sym->st_shndx != SHN_UNDEF || sym->st_name >= strsh->sh_size)
				continue;
			/* Bounded by the string table's end: the file may lack the final NUL. */
			const char *name = names + sym->st_name;
			size_t room = strsh->sh_size - sym->st_name;
			for (const char *const *l = lock_imports; *l; l++)
				if (strnlen(name, room) == strlen(*l) && memcmp(name, *l, strlen(*l)) == 0)
					out->locks = 1;
			if (room > strlen("syscall") && strcmp(name, "syscall") == 0)
				out->raw_syscall = 1;
		}
		return;
	}
}

/* The program looks up coffman's annotation table (<coffman/annotate.h>: the name is a string in its
 * read-only data, not an import): it tells coffman about its own locks. */
static int annotates_locks(const struct elf_file *f)
{
	static const char name[] = "coffman_annotate_v1";
	return memmem(f->map, f->size, name, sizeof name) != NULL;
}

/* A dynamically linked program that takes no interposable lock but makes raw system calls (Rust's
 * standard library, hand-written futex locks), and does not annotate them: coffman would see nothing,
 * so say so. */
static int builds_own_locks(const struct elf_file *f)
{
	struct imports im = { 0, 0 };
	if (f->eh)
		scan_imports(f, &im);
	return im.raw_syscall && !im.locks && !annotates_locks(f);
}

int main(int argc, char **argv)
{
	int first = parse_options(argc, argv);
	if (first >= argc)
		die_usage("%s", "no PROGRAM given");
	char lib[PATH_MAX];
	find_library(lib, sizeof lib);
	if (!readable(lib)) {
		fprintf(stderr, "coffman: cannot find libcoffman.so (looked at %s); set COFFMAN_LIB\n", lib);
		return 2;
	}
	char prog[PATH_MAX];
	struct elf_file elf;
	if (resolve_program(argv[first], prog, sizeof prog) && elf_open(prog, &elf) == 0) {
		if (is_static_elf(&elf))
			fprintf(stderr, "coffman: %s is statically linked: its locks cannot be interposed, so it runs "
					"unchecked\n", argv[first]);
		else if (builds_own_locks(&elf))
			fprintf(stderr, "coffman: %s takes no pthread or C11 lock but makes raw system calls: locks it "
					"builds itself on futex are not checked unless annotated (coffman/annotate.h)\n",
				argv[first]);
		elf_close(&elf);
	}
	/* Never run unchecked while looking checked: a path the loader would split is preloaded through
	 * a private link, or the run is refused. */
	char entry[PATH_MAX], why[PATH_MAX + 128];
	if (preload_path_for(lib, entry, sizeof entry, why, sizeof why) != 0) {
		fprintf(stderr, "coffman: %s cannot be preloaded as it is: LD_PRELOAD splits paths at spaces and "
				"colons, and %s; install coffman under a path without them, or set COFFMAN_LIB\n", lib,
			why);
		return 2;
	}
	const char *old = getenv("LD_PRELOAD");
	char preload[2 * PATH_MAX];
	if (old && *old)
		snprintf(preload, sizeof preload, "%s:%s", entry, old);
	else
		snprintf(preload, sizeof preload, "%s", entry);
	setenv("LD_PRELOAD", preload, 1);
	execvp(argv[first], &argv[first]);
	fprintf(stderr, "coffman: cannot run %s: %s\n", argv[first], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
