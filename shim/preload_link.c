/* The private link that lets LD_PRELOAD carry a library path with a space or a colon (preload_link.h):
 * finding or making the user's own directory for it, and the link itself, named by a hash of the path. */
#include "preload_link.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* glibc's rtld splits the list at these (and has no escape). */
#define PRELOAD_SEPARATORS " :"

int preload_path_splits_cleanly(const char *path)
{
	return path[0] != '\0' && strpbrk(path, PRELOAD_SEPARATORS) == NULL;
}

/* Open dir if it is a real directory owned by us that nobody else can enter or write; -1 otherwise. */
static int open_private_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A usable base for our directory: absolute, and itself free of separators. */
static int usable_base(const char *base)
{
	return base && base[0] == '/' && preload_path_splits_cleanly(base) && strlen(base) < PATH_MAX / 2;
}

/* The private directory (see the header): an open descriptor, its path in dir. */
static int private_dir(char *dir, size_t cap)
{
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	if (usable_base(runtime)) {
		snprintf(dir, cap, "%s/coffman", runtime);
		mkdir(dir, 0700);
		int fd = open_private_dir(dir);
		if (fd >= 0)
			return fd;
	}
	const char *tmp = getenv("TMPDIR");
	if (!usable_base(tmp))
		tmp = "/tmp";
	snprintf(dir, cap, "%s/coffman-%u", tmp, (unsigned)geteuid());
	mkdir(dir, 0700);
	int fd = open_private_dir(dir);
	if (fd >= 0)
		return fd;
	/* Taken by someone else (or wrongly set up): a fresh directory nobody can have prepared. */
	snprintf(dir, cap, "%s/coffman.XXXXXX", tmp);
	if (!mkdtemp(dir))
		return -1;
	return open_private_dir(dir);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Make dirfd/name a symbolic link to target, unless it already is one; atomically (a concurrent run
 * sees the old link or the new one, never none). */
static int ensure_link(int dirfd, const char *name, const char *target)
{
	char now[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, now, sizeof now - 1);
	if (n >= 0) {
		now[n] = '\0';
		if (strcmp(now, target) == 0)
			return 0;
	}
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", name, (long)getpid());
	unlinkat(dirfd, tmp, 0);
	if (symlinkat(target, dirfd, tmp) != 0)
		return -1;
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		int saved = errno;
		unlinkat(dirfd, tmp, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

int preload_path_for(const char *library, char *out, size_t cap, char *why, size_t why_cap)
{
	if (preload_path_splits_cleanly(library)) {
		snprintf(out, cap, "%s", library);
		return 0;
	}
	char target[PATH_MAX];
	struct stat lib_st, link_st;
	if (!realpath(library, target) || stat(target, &lib_st) != 0) {
		snprintf(why, why_cap, "cannot resolve it: %s", strerror(errno));
		return -1;
	}
	char dir[PATH_MAX];
	int dirfd = private_dir(dir, sizeof dir);
	if (dirfd < 0) {
		snprintf(why, why_cap, "no private directory for a link to it (tried $XDG_RUNTIME_DIR and %s): %s",
			 getenv("TMPDIR") && usable_base(getenv("TMPDIR")) ? getenv("TMPDIR") : "/tmp",
			 strerror(errno));
		return -1;
	}
	char name[64];
	snprintf(name, sizeof name, "libcoffman-%016llx.so", (unsigned long long)fnv1a(target));
	int rc = ensure_link(dirfd, name, target);
	int saved = errno;
	close(dirfd);
	if (rc != 0) {
		snprintf(why, why_cap, "cannot link to it from %s: %s", dir, strerror(saved));
		return -1;
	}
	snprintf(out, cap, "%s/%s", dir, name);
	if (stat(out, &link_st) != 0 || link_st.st_dev != lib_st.st_dev || link_st.st_ino != lib_st.st_ino) {
		snprintf(why, why_cap, "the link %s does not lead to it", out);
		return -1;
	}
	return 0;
}
