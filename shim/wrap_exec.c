/* exec: the graph file (graph_file.h) is written before this process image is replaced, since no
 * destructor runs across an exec.  Only with COFFMAN_GRAPH_DIR set; otherwise each wrapper is one
 * test and a jump.  The variadic execl* collect their arguments and go through the vector forms, as
 * glibc's own do.  A vfork child is recognised by graph_file_write (it is not the owner) and writes
 * nothing: its parent's memory is not its graph.  If the exec fails, the process goes on and its
 * file is written again, under the same name, at exit.
 */
#include "graph_file.h"
#include "wrap.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execv_fn)(const char *, char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);

static execve_fn next_execve, next_execvpe;
static execv_fn next_execv, next_execvp;
static fexecve_fn next_fexecve;

/* Resolved at load: an exec may come from a vfork child, where dlsym's loader lock is off limits. */
__attribute__((constructor(102))) static void resolve_exec(void)
{
	next_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	next_execvpe = (execve_fn)dlsym(RTLD_NEXT, "execvpe");
	next_execv = (execv_fn)dlsym(RTLD_NEXT, "execv");
	next_execvp = (execv_fn)dlsym(RTLD_NEXT, "execvp");
	next_fexecve = (fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
}

static void before_exec(void)
{
	if (graph_file_on)
		graph_file_write("exec");
}

static int missing(void)
{
	errno = ENOSYS;
	return -1;
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	before_exec();
	return next_execve ? next_execve(path, argv, envp) : missing();
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	before_exec();
	return next_execvpe ? next_execvpe(file, argv, envp) : missing();
}

EXPORT int execv(const char *path, char *const argv[])
{
	before_exec();
	return next_execv ? next_execv(path, argv) : missing();
}

EXPORT int execvp(const char *file, char *const argv[])
{
	before_exec();
	return next_execvp ? next_execvp(file, argv) : missing();
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	before_exec();
	return next_fexecve ? next_fexecve(fd, argv, envp) : missing();
}

/* The arguments of an execl* call, up to its terminating NULL, counted first. */
#define COLLECT_ARGS(arg, argv, envp_out)                                                     \
	size_t argc_ = 1;                                                                     \
	va_list ap_;                                                                          \
	va_start(ap_, arg);                                                                   \
	while (va_arg(ap_, char *))                                                           \
		argc_++;                                                                      \
	va_end(ap_);                                                                          \
	char *argv[argc_ + 1];                                                                \
	argv[0] = (char *)arg;                                                                \
	va_start(ap_, arg);                                                                   \
	for (size_t i_ = 1; i_ <= argc_; i_++)                                                \
		argv[i_] = va_arg(ap_, char *);                                               \
	envp_out;                                                                             \
	va_end(ap_)

EXPORT int execl(const char *path, const char *arg, ...)
{
	COLLECT_ARGS(arg, argv, (void)0);
	return execv(path, argv);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	COLLECT_ARGS(arg, argv, (void)0);
	return execvp(file, argv);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	char *const *envp;
	COLLECT_ARGS(arg, argv, envp = va_arg(ap_, char *const *));
	return execve(path, argv, envp);
}
