/* The frames a report shows, shared by every writer (text, JSON, SARIF) and by the suppressions: the
 * walk over a stored stack with inlined calls expanded and libc's start-up plumbing cut, a frame in
 * words ("lock_both x.c:12", "lock_both+0x1c (libx.so+0x120b)"), and where a lock was created.
 * Declared in report.h.  Everything here symbolizes: callers hold the re-entry guard. */
#include "report.h"
#include "init_sites.h"
#include "stacks.h"
#include "wrap_glib.h"
#include "symbolize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Frames past main or a thread's start routine are libc's plumbing: the walk stops there. */
static int plumbing_frame(const char *func)
{
	static const char *const names[] = { "start_thread", "__clone3", "clone", "__clone",
		"__libc_start_call_main", "__libc_start_main", "_start", "thread_trampoline", NULL };
	for (int i = 0; names[i]; i++)
		if (strcmp(func, names[i]) == 0)
			return 1;
	return 0;
}

/* The frames live in coffman's own memory, not on the stack: a report may be written from a thread with
 * a small stack (64 KB, or PTHREAD_STACK_MIN), and eight frames are over 10 KB. */
#define WALK_INLINED_MAX 8

static int walk_stack_into(uint32_t stack, uintptr_t pc, report_frame_fn fn, void *arg, struct frame_info *frames)
{
	const uintptr_t *pcs = NULL;
	int n = stack ? stack_frames(stack, &pcs) : 0;
	if (n <= 0) {
		if (!pc)
			return 0;
		int k = symbolize_code_inlined(pc, 1, frames, WALK_INLINED_MAX);
		for (int j = 0; j < k; j++) {
			int stop = fn(&frames[j], arg);
			if (stop)
				return stop;
		}
		return 0;
	}
	for (int i = 0; i < n; i++) {
		/* libc's plumbing first by its symbol alone: its full symbolization would read (and inflate)
		 * libc's debug info, most of a first report's cost, for frames that are never shown. */
		char name[64];
		if (symbolize_function_name(pcs[i], 1, name, sizeof name) && plumbing_frame(name))
			break;
		int k = symbolize_code_inlined(pcs[i], 1, frames, WALK_INLINED_MAX);
		if (k > 0 && plumbing_frame(frames[k - 1].func))
			break;
		for (int j = 0; j < k; j++) {
			int stop = fn(&frames[j], arg);
			if (stop)
				return stop;
		}
		if (k > 0 && strcmp(frames[k - 1].func, "main") == 0)
			break;
	}
	return 0;
}

int report_walk_stack(uint32_t stack, uintptr_t pc, report_frame_fn fn, void *arg)
{
	struct frame_info *frames = malloc(WALK_INLINED_MAX * sizeof *frames);
	if (!frames)
		return 0;
	int stop = walk_stack_into(stack, pc, fn, arg, frames);
	free(frames);
	return stop;
}

void report_frame_function(const struct frame_info *f, char *buf, size_t len)
{
	if (!f->func[0])
		snprintf(buf, len, "??");
	else if (!f->file[0] && f->has_func_offset)
		snprintf(buf, len, "%s+0x%lx", f->func, (unsigned long)f->func_offset);
	else
		snprintf(buf, len, "%s", f->func);
}

void report_frame_object(const struct frame_info *f, char *buf, size_t len)
{
	if (!f->object[0])
		snprintf(buf, len, "?");
	else if (f->has_offset)
		snprintf(buf, len, "%s+0x%lx", f->object, (unsigned long)f->offset);
	else
		snprintf(buf, len, "%s", f->object);
}

void report_frame_site(const struct frame_info *f, char *buf, size_t len)
{
	char func[300], object[300];
	report_frame_function(f, func, sizeof func);
	if (f->file[0] && f->line > 0) {
		snprintf(buf, len, "%s %s:%d", func, f->file, f->line);
	} else if (f->file[0]) {
		snprintf(buf, len, "%s %s", func, f->file);
	} else {
		report_frame_object(f, object, sizeof object);
		snprintf(buf, len, "%s (%s)", func, object);
	}
}

static int has_prefix(const char *s, const char *const *prefixes)
{
	for (int i = 0; prefixes[i]; i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* The dynamic loader's object. */
static int loader_object(const char *object)
{
	static const char *const prefixes[] = { "ld-linux", "ld64.so", "ld.so", NULL };
	return has_prefix(object, prefixes);
}

/* The C library's and the dynamic loader's own objects: with their debug info installed (libc6-dbg)
 * their frames have source files too, but they are never the program's code. */
static int glibc_object(const char *object)
{
	static const char *const prefixes[] = { "libc.so", "libc-", "libpthread.so", "libpthread-", "libdl.so",
		"libdl-", NULL };
	return loader_object(object) || has_prefix(object, prefixes);
}

/* The loader's frames in particular: a lock first used by a library's constructor would be "first
 * used in call_init ./elf/dl-init.c", and every lock that library constructors first use, one class
 * in graph files (GType's class-init GRecMutex and its type GRWLock, both first used in libgobject's
 * constructor: false class cycles in every GStreamer run). */
int report_first_program_frame(const struct frame_info *f, void *arg)
{
	if (!f->file[0] || strncmp(f->file, "/usr/", 5) == 0 || glibc_object(f->object))
		return 0;
	*(struct frame_info *)arg = *f;
	return 1;
}

/* report_first_program_frame, but not past the dynamic loader: frames below a loader frame are a
 * library constructor's (or another call the loader makes), and a lock first used there is the
 * library's, whoever loaded it.  Past the loader lies the program's dlopen call, whose line would name
 * every lock that the constructors of what it loads first use: one class in graph files, and false
 * class cycles (tests/graphs_ctor_firstuse.sh). */
static int first_program_frame_in_call(const struct frame_info *f, void *arg)
{
	if (loader_object(f->object))
		return -1;
	return report_first_program_frame(f, arg);
}

void report_lock_site_frame(const struct report_lock *l, struct frame_info *out)
{
	if (!l->create_is_init && l->create_stack &&
	    report_walk_stack(l->create_stack, 0, first_program_frame_in_call, out) == 1)
		return;
	/* A lock GLib made on its first use, first taken with no program frame that has a source file on
	 * the stack (a stripped library took it): its pc is in GLib's g_rw_lock_writer_lock or the like,
	 * the same for every such lock, and graph files would make them all one class.  The frame above
	 * GLib's function names it. */
	if (!l->create_is_init && l->create_stack && glib_lock_call_at(l->create_pc) == GLIB_CALL_ON_USE &&
	    report_init_caller_frame(l->create_stack, l->create_pc, out))
		return;
	symbolize_code(l->create_pc, 1, out);
}

int report_init_caller_frame(uint32_t stack, uintptr_t pc, struct frame_info *out)
{
	const uintptr_t *pcs;
	int n = stack ? stack_frames(stack, &pcs) : 0;
	for (int k = 0; k + 1 < n; k++)
		if (pcs[k] == pc) {
			symbolize_code(pcs[k + 1], 1, out);
			return 1;
		}
	return 0;
}

int report_lock_init_caller(const struct report_lock *l, struct frame_info *out)
{
	if (!l->create_is_init || !l->create_stack || !l->create_pc || !init_site_is_wrapper(l->create_pc))
		return 0;
	return report_init_caller_frame(l->create_stack, l->create_pc, out);
}

void report_append_init_caller(const struct report_lock *l, char *buf, size_t len)
{
	struct frame_info *caller = malloc(sizeof *caller);
	if (caller && report_lock_init_caller(l, caller)) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, ", called from ");
		used = strlen(buf);
		report_frame_site(caller, buf + used, len - used);
	}
	free(caller);
}
