/* mem: coffman's own memory, never the program's allocator.
 *
 * Why: the shim runs inside lock wrappers, and the program's allocator takes locks of its own (jemalloc
 * even calls pthread_mutex_trylock on them, which lands in our wrapper).  If a wrapper called malloc
 * while the program — or this very thread, one frame up, inside the allocator — held such a lock, the
 * program would hang.  So every allocation libcoffman makes comes from pages it maps itself.
 *
 * How it is wired: libcoffman is linked with -Wl,--wrap=malloc (and calloc, realloc, free, strdup,
 * strndup, posix_memalign, aligned_alloc; and qsort, whose glibc version sorts into a malloc'ed copy
 * above 1 KB), so each call its own objects make to those names reaches the __wrap_ functions here;
 * nothing of the program's is interposed.  graph/ keeps plain malloc and stays testable on its own.
 *
 * Shape: size classes about 1.25x apart up to MEM_SMALL_MAX, carved from 1 MiB regions and recycled
 * through per-class free lists under one ilock; larger blocks are mappings of their own, returned to
 * the kernel on free.  A call that re-enters the allocator on the same thread (a signal handler that
 * locks while this thread is inside it) gets a mapping of its own without the lock: never a
 * self-deadlock.  Costs: a lock and a list pop per small allocation; slow paths only.
 */
#ifndef COFFMAN_MEM_H
#define COFFMAN_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
/* Zeroed, aligned to align (a power of two).  Above MEM_ALIGN it is a mapping of its own, zero from
 * the kernel and not cleared, so a page is resident only once it is touched (a thread record with its
 * profile table: 50 KB, most of it never written by a thread that takes few locks). */
void *mem_zalloc_aligned(size_t size, size_t align);
void *mem_realloc(void *p, size_t size);
void mem_free(void *p);

/* p (from mem_alloc, mem_calloc or mem_realloc) is an array filled in order: keep it in small pages,
 * where a block from 2 MB up would otherwise get huge ones (mem.c), each holding up to 2 MB nobody has
 * written yet.  Again after each mem_realloc that may have moved it to a new mapping. */
void mem_advise_flat(void *p);

/* COFFMAN_HUGEPAGES=0 (config_load): big blocks from now on are advised out of huge pages instead of
 * into them.  Where THP's defrag setting makes a fault in an advised region compact memory at once
 * (Debian's default, "madvise"), a table's growth may then stall a lock call for as long as that takes;
 * without huge pages a new lock costs more page faults instead (bench/README.md, *First-seen locks,
 * round three*). */
void mem_hugepages_off(void);

/* Bytes mapped so far (for tests and the benchmark's per-thread figure). */
size_t mem_mapped_bytes(void);

/* fork(): the allocator lock is the innermost internal lock. */
void mem_lock_for_fork(void);
void mem_unlock_after_fork(void);
void mem_after_fork_child(void);

#endif
