/* deps_fds: the descriptors of the deps namespace — libdw's ELF and debug files, libunwind's memory
 * check — and why none of them is ever used once the program has taken its number.
 *
 * The functions here are exported from the namespace's root, so libdw, libelf and libunwind call them
 * instead of their libc's (deps_ns.h):
 * - open/openat (and the 64 variants) give a descriptor above the program's range, close-on-exec, and
 *   remember which file it is (device and inode, by number);
 * - close lets go of such a descriptor only while it is still that file.  A daemon that closes every
 *   descriptor above stderr (close_range, closefrom) closes ours too, and its next files take their
 *   numbers; libdw closes its files when a symbolizer session ends (after a dlopen or dlclose), which
 *   closed the program's files and reopened ELF files on their numbers (tests/fd_reuse.sh, elf).  A
 *   descriptor that is no longer ours is forgotten, never closed, and so is one this namespace did
 *   not open.  (A program that reopens the very same file, close-on-exec, and gets the very same
 *   number is not told apart.)
 * - no FIFO is opened (a loaded object's file replaced by one made a report wait for a writer for
 *   ever, the program's signals held), and read-only files are opened O_NONBLOCK;
 * - libunwind checks that an address is readable before it reads it by writing one byte from there to
 *   a pipe of its own and reading it back, with read() and syscall(SYS_write) on numbers it keeps for
 *   the life of the process: after the daemon's close, a byte of coffman's stack went into the
 *   program's file and a byte of that file was consumed (tests/fd_reuse.sh, pipe).  Its pipe is now
 *   two numbers no descriptor can have, and the read and the write on them succeed without a system
 *   call: the check itself is made before, by mincore (deps_ns.c), which this namespace answers from
 *   the kernel (deps_readable).  Two descriptors fewer in the program's /proc/self/fd, and two system
 *   calls fewer per checked address.
 */
#include "deps_ns.h"

#include <errno.h>
#include <libelf.h>
#include <fcntl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* libunwind's validation pipe (see above): negative, so a call that reached the kernel with one
 * would fail with EBADF and touch nothing. */
#define CHECK_PIPE_READ (-900)
#define CHECK_PIPE_WRITE (-901)
/* libunwind asks for its pipe with exactly these flags; any other pipe is a real one. */
#define CHECK_PIPE_FLAGS (O_CLOEXEC | O_NONBLOCK)

static int is_check_pipe(int fd)
{
	return fd == CHECK_PIPE_READ || fd == CHECK_PIPE_WRITE;
}

/* ---- the libc functions these stand in for */

static ssize_t (*next_read)(int, void *, size_t);
static Elf *(*next_elf_begin)(int, Elf_Cmd, Elf *);
static int (*next_close)(int);
static long (*next_syscall)(long, ...);

/* At init (deps_ns.c), and before it only while the namespace is being loaded: dlsym takes the
 * loader's lock, which a wrapper must never do. */
void deps_fds_resolve(void)
{
	if (!next_read)
		*(void **)&next_read = dlsym(RTLD_NEXT, "read");
	if (!next_close)
		*(void **)&next_close = dlsym(RTLD_NEXT, "close");
	if (!next_syscall)
		*(void **)&next_syscall = dlsym(RTLD_NEXT, "syscall");
	if (!next_elf_begin)
		*(void **)&next_elf_begin = dlsym(RTLD_NEXT, "elf_begin");
}

/* ---- which file each of our descriptors is */

/* By number, in chunks mapped at first use: a program with thousands of descriptors open when libdw
 * first reads its files puts ours past any small fixed table.  16M numbers is past the kernel's
 * default ceiling (fs.nr_open, 1M) with room to spare; beyond it a descriptor is never taken for
 * ours: not closed (a leak of our own is harmless), not written to. */
#define OWN_CHUNK 4096
#define OWN_CHUNKS 4096

struct own_fd {
	atomic_int live;        /* open, ours, and this is its file: */
	dev_t dev;
	ino_t ino;
	atomic_int ghosts;      /* closed when libelf had it all in memory; libdw's close still to come */
};

static _Atomic(struct own_fd *) own_chunks[OWN_CHUNKS];

/* The entry for fd; with make, its chunk is mapped if missing.  NULL if out of range or no memory. */
static struct own_fd *own_entry(int fd, int make)
{
	if (fd < 0 || (unsigned)fd / OWN_CHUNK >= OWN_CHUNKS)
		return NULL;
	_Atomic(struct own_fd *) *slot = &own_chunks[(unsigned)fd / OWN_CHUNK];
	struct own_fd *chunk = atomic_load_explicit(slot, memory_order_acquire);
	if (!chunk && make) {
		void *p = mmap(NULL, OWN_CHUNK * sizeof *chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		struct own_fd *none = NULL;
		if (atomic_compare_exchange_strong(slot, &none, (struct own_fd *)p)) {
			chunk = p;
		} else {
			munmap(p, OWN_CHUNK * sizeof *chunk);   /* another thread mapped it first */
			chunk = none;
		}
	}
	return chunk ? &chunk[(unsigned)fd % OWN_CHUNK] : NULL;
}

/* A number is ours from our open to our close (no other thread of the namespace can hold it
 * meanwhile), so each entry has one writer at a time. */
static void remember(int fd)
{
	struct stat st;
	struct own_fd *e = own_entry(fd, 1);
	if (!e || fstat(fd, &st) != 0)
		return;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	atomic_store_explicit(&e->live, 1, memory_order_release);
}

static int remembered(const struct own_fd *e)
{
	return e && atomic_load_explicit(&e->live, memory_order_acquire);
}

int deps_fd_still_ours(int fd)
{
	struct own_fd *e = own_entry(fd, 0);
	if (!remembered(e))
		return 0;
	struct stat st;
	int flags = fcntl(fd, F_GETFD);
	return flags >= 0 && (flags & FD_CLOEXEC) && fstat(fd, &st) == 0 && st.st_dev == e->dev &&
	       st.st_ino == e->ino;
}

/* ---- opening: above the program's range, remembered */

/* Move a fresh descriptor above the floor; the low number is freed again at once. */
static int lift_fd(int fd)
{
	if (fd < 0 || deps_host.fd_floor <= 0 || fd >= deps_host.fd_floor)
		return fd;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, deps_host.fd_floor);
	if (high < 0)
		return fd;              /* no room up there: keep the low one rather than fail */
	next_close(fd);
	return high;
}

/* Never a FIFO: the open would wait for a writer, for ever, with the program's signals held (a loaded
 * object's file replaced by one blocked a report, and SIGTERM with it: tests/fd_reuse.sh, fifo), and
 * even a non-blocking open releases a writer waiting there.  Reads never block either (O_NONBLOCK: a
 * FIFO put there after the check reads as empty). */
static int is_fifo(int dirfd, const char *path)
{
	struct stat st;
	return fstatat(dirfd, path, &st, 0) == 0 && S_ISFIFO(st.st_mode);
}

static int open_lifted(int dirfd, const char *path, int flags, mode_t mode)
{
	if (!next_syscall)
		deps_fds_resolve();
	if (is_fifo(dirfd, path)) {
		errno = ENXIO;
		return -1;
	}
	if ((flags & O_ACCMODE) == O_RDONLY)
		flags |= O_NONBLOCK;
	/* Always close-on-exec: the program's exec'd children must not inherit our files. */
	int fd = lift_fd((int)next_syscall(SYS_openat, dirfd, path, flags | O_CLOEXEC, mode));
	remember(fd);
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

/* open, open64, openat, openat64: one body (the mode argument is there only with O_CREAT or
 * O_TMPFILE). */
#define DEFINE_OPEN(name, params, dir)                                  \
	EXPORT int name params                                          \
	{                                                               \
		va_list ap;                                             \
		va_start(ap, flags);                                    \
		mode_t mode = mode_arg(flags, ap);                      \
		va_end(ap);                                             \
		return open_lifted(dir, path, flags, mode);             \
	}

DEFINE_OPEN(open, (const char *path, int flags, ...), AT_FDCWD)
DEFINE_OPEN(open64, (const char *path, int flags, ...), AT_FDCWD)
DEFINE_OPEN(openat, (int dirfd, const char *path, int flags, ...), dirfd)
DEFINE_OPEN(openat64, (int dirfd, const char *path, int flags, ...), dirfd)

/* ---- closing: only what is still ours */

/* One of libdw's closes of a number whose file was let go early (below); 0 if none is owed. */
static int take_ghost(struct own_fd *e)
{
	int g = e ? atomic_load(&e->ghosts) : 0;
	while (g > 0)
		if (atomic_compare_exchange_weak(&e->ghosts, &g, g - 1))
			return 1;
	return 0;
}

EXPORT int close(int fd)
{
	if (is_check_pipe(fd))
		return 0;
	if (!next_close)
		deps_fds_resolve();
	struct own_fd *e = own_entry(fd, 0);
	if (take_ghost(e))
		return 0;       /* closed already, when its file was all in memory */
	if (!remembered(e))
		return 0;       /* not one this namespace opened (or could not note): never closed blind */
	int ours = deps_fd_still_ours(fd);
	atomic_store_explicit(&e->live, 0, memory_order_relaxed);
	return ours ? next_close(fd) : 0;       /* the program's now: forgotten, not closed */
}

/* ---- ELF files: in memory, then let go at once */

/* libdw keeps a descriptor per file it reads (the program's executable and each library, their debug
 * files) until its session ends; every one showed in the program's /proc/self/fd (a program that lists
 * its descriptors, or checks them for leaks, saw 5 to 25 of coffman's).  libelf maps an ELF file whole,
 * and once told so (ELF_C_FDREAD: read what is not mapped; then the descriptor is never used again)
 * needs the descriptor no more: it is closed here, and libdw's own close of that number, later, is
 * owed (a ghost) and skipped.  A number reopened meanwhile by this namespace owes the ghost first: at
 * worst that file stays open (never closed twice, never the program's). */
static int reads_whole_file(Elf_Cmd cmd)
{
	return cmd == ELF_C_READ || cmd == ELF_C_READ_MMAP || cmd == ELF_C_READ_MMAP_PRIVATE;
}

static void let_go_early(int fd, Elf *e)
{
	struct own_fd *o = own_entry(fd, 0);
	if (!remembered(o) || elf_kind(e) != ELF_K_ELF || elf_cntl(e, ELF_C_FDREAD) != 0)
		return;
	atomic_fetch_add(&o->ghosts, 1);
	atomic_store_explicit(&o->live, 0, memory_order_relaxed);
	next_close(fd);
}

EXPORT Elf *elf_begin(int fd, Elf_Cmd cmd, Elf *ref)
{
	if (!next_elf_begin)
		deps_fds_resolve();
	Elf *e = next_elf_begin(fd, cmd, ref);
	if (e && !ref && reads_whole_file(cmd))
		let_go_early(fd, e);
	return e;
}

/* ---- libunwind's memory check */

EXPORT int pipe2(int fds[2], int flags)
{
	if (flags == CHECK_PIPE_FLAGS) {
		fds[0] = CHECK_PIPE_READ;
		fds[1] = CHECK_PIPE_WRITE;
		return 0;
	}
	if (!next_syscall)
		deps_fds_resolve();
	if (next_syscall(SYS_pipe2, fds, flags | O_CLOEXEC) != 0)
		return -1;
	fds[0] = lift_fd(fds[0]);
	fds[1] = lift_fd(fds[1]);
	remember(fds[0]);
	remember(fds[1]);
	return 0;
}

EXPORT int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

/* The pipe is empty: what libunwind takes for a pipe that works. */
EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	if (is_check_pipe(fd)) {
		errno = EAGAIN;
		return -1;
	}
	if (!next_read)
		deps_fds_resolve();
	return next_read(fd, buf, len);
}

/* The one byte "written" from an address mincore has just proven readable. */
EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_write && is_check_pipe((int)a[0]))
		return a[2];
	if (!next_syscall)
		deps_fds_resolve();
	return next_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
