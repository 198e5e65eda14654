/* libcoffman-deps.so's namespace overrides and its exported table (deps_api.h, deps_ns.h). */
#include "deps_ns.h"
#include "deps_symtab.h"
#include "elf_symbols.h"
#include "raw_signals.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

struct deps_host deps_host;

/* libunwind validates memory with mincore() (then a write to its pipe, deps_fds.c): seccomp sandboxes refuse
 * mincore (Firefox's content processes trap and log every call, Chromium's kill the process), so its
 * answer comes from deps_readable (deps_unwind.c) instead.  Every page of the range is marked
 * resident: libunwind asks only whether the page can be read. */
EXPORT int mincore(void *addr, size_t len, unsigned char *vec)
{
	uintptr_t a = (uintptr_t)addr;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (a % page != 0) {
		errno = EINVAL;
		return -1;
	}
	if (!deps_readable(a, len)) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < (len + page - 1) / page; i++)
		vec[i] = 1;
	return 0;
}

/* elfutils offers to download debug info (libdebuginfod, with libcurl and a TLS stack behind it) when
 * DEBUGINFOD_URLS is set: never from inside someone else's process, and never at report time. */
EXPORT void *dlopen(const char *file, int mode)
{
	static void *(*own)(const char *, int);
	if (file && strstr(file, "libdebuginfod"))
		return NULL;
	if (!own)
		*(void **)&own = dlsym(RTLD_NEXT, "dlopen");
	return own ? own(file, mode) : NULL;
}

/* glibc's dl_iterate_phdr lists only the caller's namespace: first ours (libunwind's own frames and
 * this library's), then the host's, through the host's own function. */
struct both_ns {
	phdr_callback cb;
	void *data;
};

EXPORT int dl_iterate_phdr(phdr_callback cb, void *data)
{
	static int (*own)(phdr_callback, void *);
	if (!own)
		*(void **)&own = dlsym(RTLD_NEXT, "dl_iterate_phdr");
	int rc = own ? own(cb, data) : 0;
	if (rc == 0 && deps_host.iterate_host_phdr)
		rc = deps_host.iterate_host_phdr(cb, data);
	return rc;
}

/* libunwind blocks every signal around each use of its cache lock and each module search: two
 * sigprocmask system calls per frame, most of the cost of a stack capture after the walk itself.  The
 * blocking keeps a signal handler that unwinds from waiting for a lock its own thread holds; here the
 * locks libunwind takes are counted per thread instead (below), and a capture that starts while the
 * count is up returns no frames (deps_unwind.c): only a signal handler that interrupted a capture can
 * start one then.  Only libunwind calls sigprocmask and pthread_mutex_lock in this namespace. */
EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	(void)how;
	(void)set;
	if (old)
		sigemptyset(old);
	return 0;
}

/* libunwind's locks (its cache of unwind rules, its memory pool) this thread holds or is waiting for,
 * counted in libcoffman's TLS (deps_host.unwind_locks).  Raised before the lock is taken and lowered
 * after it is released, so that it is never 0 while the thread holds one. */
static int (*next_mutex_lock)(pthread_mutex_t *);
static int (*next_mutex_unlock)(pthread_mutex_t *);
static struct unwind_thread no_thread;  /* before init() (never used by then: libunwind starts at the first walk) */

struct unwind_thread *deps_unwind_thread(void)
{
	return deps_host.unwind_thread ? deps_host.unwind_thread() : &no_thread;
}

static int *lock_count(void)
{
	return &deps_unwind_thread()->locks;
}

static void resolve_mutex_functions(void)
{
	if (!next_mutex_lock)
		*(void **)&next_mutex_lock = dlsym(RTLD_NEXT, "pthread_mutex_lock");
	if (!next_mutex_unlock)
		*(void **)&next_mutex_unlock = dlsym(RTLD_NEXT, "pthread_mutex_unlock");
}

EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	int *count = lock_count();
	++*count;
	atomic_signal_fence(memory_order_seq_cst);
	if (!next_mutex_lock)
		resolve_mutex_functions();
	int rc = next_mutex_lock(m);
	if (rc != 0) {
		atomic_signal_fence(memory_order_seq_cst);
		--*count;
	}
	return rc;
}

EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (!next_mutex_unlock)
		resolve_mutex_functions();
	int rc = next_mutex_unlock(m);
	atomic_signal_fence(memory_order_seq_cst);
	--*lock_count();
	return rc;
}

int deps_unwind_busy(void)
{
	return *lock_count() != 0;
}

/* The program's asynchronous signals, held off while a thread is inside libunwind's step, libdw's rule
 * search or a module search (deps_signals_hold).  Without libunwind's own blocking (above), a handler
 * that parks its thread until another thread lets it go -- a stop-the-world collector's (the Boehm GC's
 * SIGPWR, in Guile and others), a runtime's safepoint -- could park it holding libunwind's cache lock or
 * the loader's list lock (in dl_iterate_phdr); the thread that stops the world, capturing a stack of its
 * own before it restarts it (a condition wait under the watchdog), then waits for that lock for ever: a
 * hang the program never has natively.  Held once per frame libunwind steps (the cached walk steps most
 * frames without it), and once per rule search.  The faults a walk's own reads might raise, abort's
 * signal and glibc's internal ones (cancellation, setxid) stay deliverable, as glibc's sigprocmask
 * keeps the last two (raw_signals.h); a thread inside the step cannot be cancelled anyway (cancel_off). */
uint64_t deps_signals_hold(void)
{
	uint64_t old;
	return raw_signals_hold(&old) == 0 ? old : RAW_SIGNALS_HELD;  /* refused: nothing to give back */
}

void deps_signals_back(uint64_t old)
{
	if (old != RAW_SIGNALS_HELD)
		raw_signals_back(old);
}

/* Touch every TLS block of this namespace for the calling thread (deps_api.h thread_prepare). */
struct tls_index_arg {
	unsigned long module, offset;
};
extern void *__tls_get_addr(struct tls_index_arg *);

/* The TLS modules of this namespace that this thread has no block of yet, listed by dl_iterate_phdr.
 * Their blocks are allocated after it returns, not in its callback: the loader's list lock is held
 * there, and the allocation calls the program's malloc (the loader's), which may wait for a lock whose
 * holder is capturing a stack — and a capture can ask dl_iterate_phdr for that same list lock. */
#define PREPARE_MAX 32
struct tls_pending {
	unsigned long modid[PREPARE_MAX];
	int n;
};

static int list_module_tls(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct tls_pending *p = data;
	if (info->dlpi_tls_modid != 0 && info->dlpi_tls_data == NULL && p->n < PREPARE_MAX)
		p->modid[p->n++] = info->dlpi_tls_modid;
	return 0;
}

static __attribute__((noinline)) void thread_prepare(void)
{
	static int (*own)(phdr_callback, void *);
	if (!own)
		*(void **)&own = dlsym(RTLD_NEXT, "dl_iterate_phdr");
	struct tls_pending pending = { .n = 0 };
	if (own)
		own(list_module_tls, &pending);
	for (int i = 0; i < pending.n; i++) {
		struct tls_index_arg ti = { pending.modid[i], 0 };
		__tls_get_addr(&ti);
	}
	/* Not a tail call: glibc lists the namespace of its caller's return address, which must be in
	 * this library (a tail call left the host's there, and this namespace's blocks unprepared: libdw's
	 * were then allocated with the program's malloc inside a wrapper, at the first unwind rule read). */
	__asm__ volatile("" ::: "memory");
}

/* The symbolizer and the pprof encoder allocate from this namespace's libc: a signal handler that
 * interrupts them inside its malloc and captures must not read an unwind rule with libdw (malloc again:
 * the arena lock its own thread holds).  deps_rule_fill leaves such frames to libunwind. */
#define OUTSIDE_RULE_FILLS(call)                          \
	do {                                              \
		int *in_libdw = &deps_unwind_thread()->in_libdw; \
		++*in_libdw;                              \
		atomic_signal_fence(memory_order_seq_cst); \
		call;                                     \
		atomic_signal_fence(memory_order_seq_cst); \
		--*in_libdw;                              \
	} while (0)

static void guarded_symbolize_code(uintptr_t addr, uintptr_t pc, struct frame_info *out)
{
	OUTSIDE_RULE_FILLS(deps_symbolize_code(addr, pc, out));
}

static int guarded_symbolize_code_inlined(uintptr_t addr, uintptr_t pc, struct frame_info *out, int max)
{
	int n;
	OUTSIDE_RULE_FILLS(n = deps_symbolize_code_inlined(addr, pc, out, max));
	return n;
}

static int guarded_symbolize_data(uintptr_t addr, char *name, size_t len)
{
	int n;
	OUTSIDE_RULE_FILLS(n = deps_symbolize_data(addr, name, len));
	return n;
}

static int guarded_symbolize_function_name(uintptr_t addr, char *name, size_t len)
{
	int n;
	OUTSIDE_RULE_FILLS(n = deps_symbolize_function_name(addr, name, len));
	return n;
}

#ifdef HAVE_PROTOBUF_C
static size_t (*pprof_encoder)(const struct pprof_data *d, uint8_t *buf, size_t cap);

/* dlopen from this library loads into this namespace (glibc picks it from the caller). */
static const char *pprof_load(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return dlerror();
	pprof_encoder = (size_t (*)(const struct pprof_data *, uint8_t *, size_t))dlsym(h, COFFMAN_PPROF_SYMBOL);
	return pprof_encoder ? NULL : "it has no " COFFMAN_PPROF_SYMBOL;
}

static size_t guarded_pprof_encode(const struct pprof_data *d, uint8_t *buf, size_t cap)
{
	if (!pprof_encoder)
		return 0;
	size_t n;
	OUTSIDE_RULE_FILLS(n = pprof_encoder(d, buf, cap));
	return n;
}
#else
#define guarded_pprof_encode NULL
static const char *pprof_load(const char *path)
{
	(void)path;
	return "coffman was built without protobuf-c";
}
#endif

static void init(const struct deps_host *host)
{
	deps_host = *host;
	deps_fds_resolve();
	/* This namespace's copy, kept for a sandbox: the host's reading first, since the namespace may be
	 * loaded after the program has lost /proc (deps.h). */
	elf_main_program_path_keep(deps_host.main_program);
	char exe[PATH_MAX];
	elf_main_program_path(exe, sizeof exe);
	resolve_mutex_functions();
	deps_unwind_init();
	symtab_check_open(deps_host.symtab_check);
	thread_prepare();
}

static void checks_summary(void)
{
	deps_unwind_check_summary();
	symtab_check_summary();
}

EXPORT const struct deps_api coffman_deps_api = {
	.version = COFFMAN_DEPS_VERSION,
	.init = init,
	.capture = deps_capture,
	.getcontext = DEPS_GETCONTEXT,
	.capture_from = deps_capture_from,
	.symbolize_code = guarded_symbolize_code,
	.symbolize_code_inlined = guarded_symbolize_code_inlined,
	.symbolize_data = guarded_symbolize_data,
	.symbolize_function_name = guarded_symbolize_function_name,
	.objects_unloaded = deps_symbolize_objects_unloaded,
	.unwind_objects_unloaded = deps_rules_forget,
	.thread_prepare = thread_prepare,
	.pprof_encode = guarded_pprof_encode,
	.pprof_load = pprof_load,
	.checks_summary = checks_summary,
};
