/* preload_link: a path to the library that LD_PRELOAD can carry.
 *
 * The loader splits LD_PRELOAD at spaces and colons and has no way to quote them, so a library installed
 * under "/opt/My Tools/" or "/srv/a:b/" would be cut in pieces, not loaded, and the program would run
 * unchecked while looking checked.  Such a library is preloaded through a symbolic link whose own path
 * has neither character, in a directory only this user can write:
 *
 *   $XDG_RUNTIME_DIR/coffman/       when that is set, absolute and splits cleanly
 *   ${TMPDIR:-/tmp}/coffman-UID/    otherwise
 *
 * Each is created 0700 and used only if it is a real directory (not a link) owned by the caller and
 * closed to others; failing both, a fresh mkdtemp directory there (left behind: links are tiny).  The
 * link is named after a hash of the library's real path, so repeated runs reuse one link; it is
 * replaced atomically (rename) if it points elsewhere, and checked to reach the very same file.
 * Used by the launcher only (a plain program: stdio is fine here).
 */
#ifndef COFFMAN_PRELOAD_LINK_H
#define COFFMAN_PRELOAD_LINK_H

#include <stddef.h>

/* 1 if the loader would take path as one LD_PRELOAD entry. */
int preload_path_splits_cleanly(const char *path);

/* Write into out a path to library that splits cleanly: library itself if it does, else a private
 * link to it.  0 on success; -1 with a reason in why (for the user) on failure. */
int preload_path_for(const char *library, char *out, size_t cap, char *why, size_t why_cap);

#endif
