/* The private allocator: see mem.h for why it exists and how libcoffman's calls reach it. */
#include "mem.h"
#include "ilock.h"

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define MEM_REGION_SIZE (1u << 20)
#define MEM_SMALL_MAX (64u << 10)
#define MEM_ALIGN 16u
#define MEM_NCLASSES 48

/* Every block is preceded by this header: its class, or for a mapping of its own the mapped length. */
struct block_header {
	uint32_t class_index;           /* MEM_DIRECT (with flags) for a mapping of its own */
	uint32_t offset;                /* MEM_DIRECT: from the mapping's start to this header */
	size_t mapped;                  /* length of that mapping, 0 for class blocks */
};
#define MEM_DIRECT 0xfffffff0u
#define DIRECT_FLAT 1u                  /* kept in small pages (mem_advise_flat) */
#define DIRECT_BIG 2u                   /* a big block (alloc_big) */
_Static_assert(sizeof(struct block_header) == MEM_ALIGN, "header keeps blocks 16-byte aligned");

struct free_block {
	struct free_block *next;
};

static int is_direct(const struct block_header *h)
{
	return h->class_index >= MEM_DIRECT;
}

static struct ilock mem_lock = ILOCK_INIT;
static size_t class_size[MEM_NCLASSES];  /* payload bytes, multiples of MEM_ALIGN */
static unsigned nclasses;
static struct free_block *free_list[MEM_NCLASSES];
static char *region_next, *region_end;
static atomic_size_t mapped_total;
static __thread int tls_in_mem __attribute__((tls_model("initial-exec")));

static void *map_pages(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	atomic_fetch_add_explicit(&mapped_total, len, memory_order_relaxed);
	return p;
}

/* Big blocks are coffman's tables that grow (by realloc) past BIG_BLOCK: the lock sites, the graph's
 * node records, the edges.  They are read and written at random, every page of them touched sooner or
 * later.  In huge pages, a table of tens of megabytes costs a few dozen page faults instead of
 * thousands (about 1.6 us each on a VM here: the largest part of what creating a lock cost), and a
 * lookup no TLB miss.  A huge page needs 2 MB of address space, aligned, wholly inside the mapping and
 * wholly untouched when first touched.  So a big block's payload starts at a HUGE_SIZE boundary,
 * after a page of its own for the header, and its mapping ends at one: growing adds whole, untouched
 * huge pages (grow_direct).  Rounding up costs address space only, until a page is touched. */
#define HUGE_SIZE (2u << 20)
#define BIG_BLOCK (256u << 10)
#define BIG_HEAD 4096u

static int is_big(const struct block_header *h)
{
	return is_direct(h) && (h->class_index & DIRECT_BIG);
}

/* The mapping length of a big block of size bytes; 0 if it does not fit in the address space. */
static size_t big_len(size_t size)
{
	if (size > SIZE_MAX - 2 * HUGE_SIZE - BIG_HEAD)
		return 0;
	return BIG_HEAD + ((size + HUGE_SIZE - 1) & ~(size_t)(HUGE_SIZE - 1));
}

/* A mapping of len bytes whose byte BIG_HEAD is HUGE_SIZE-aligned; NULL if there is no address space.
 * prot PROT_NONE: a place to move a block to. */
static char *map_big(size_t len, int prot)
{
	size_t span = len + HUGE_SIZE;
	int reserve_only = prot == PROT_NONE ? MAP_NORESERVE : 0;
	char *r = mmap(NULL, span, prot, MAP_PRIVATE | MAP_ANONYMOUS | reserve_only, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	char *base = (char *)((((uintptr_t)r + BIG_HEAD + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1)) - BIG_HEAD);
	if (base > r)
		munmap(r, (size_t)(base - r));
	if (base + len < r + span)
		munmap(base + len, (size_t)(r + span - (base + len)));
	return base;
}

static int hugepages_off;        /* COFFMAN_HUGEPAGES=0 */

void mem_hugepages_off(void)
{
	hugepages_off = 1;
}

/* A big block of room for size bytes, in huge pages unless flat (mem_advise_flat) or they are off;
 * NULL without memory.  Without huge pages it is advised out of them, so that a system whose THP
 * setting is "always" does not give it them either (its alignment stays: address space only). */
static void *alloc_big(size_t size, int flat)
{
	size_t len = big_len(size);
	char *base = len ? map_big(len, PROT_READ | PROT_WRITE) : NULL;
	if (!base)
		return NULL;
	(void)madvise(base, len, flat || hugepages_off ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	atomic_fetch_add_explicit(&mapped_total, len, memory_order_relaxed);
	struct block_header *h = (struct block_header *)(base + BIG_HEAD) - 1;
	h->class_index = MEM_DIRECT | DIRECT_BIG | (flat ? DIRECT_FLAT : 0);
	h->offset = BIG_HEAD - sizeof *h;
	h->mapped = len;
	return h + 1;
}

/* Classes grow by about a quarter: at most ~20% of a block is rounding, and a thread record (~9 KB)
 * does not cost a 16 KB block. */
static void classes_init(void)
{
	size_t s = 32;
	nclasses = 0;
	while (s <= MEM_SMALL_MAX && nclasses < MEM_NCLASSES) {
		class_size[nclasses++] = s;
		size_t next = (s + s / 4 + MEM_ALIGN - 1) & ~(size_t)(MEM_ALIGN - 1);
		s = next > s ? next : s + MEM_ALIGN;
	}
}

static int class_for(size_t size)
{
	if (!nclasses)
		classes_init();
	for (unsigned i = 0; i < nclasses; i++)
		if (size <= class_size[i])
			return (int)i;
	return -1;
}

/* A mapping of its own; align: a power of two, the payload's alignment (at least MEM_ALIGN). */
static void *alloc_direct_aligned(size_t size, size_t align)
{
	size_t len = (size + align + sizeof(struct block_header) + 4095) & ~(size_t)4095;
	if (len < size)
		return NULL;
	char *base = map_pages(len);
	if (!base)
		return NULL;
	if (hugepages_off && len >= HUGE_SIZE)
		(void)madvise(base, len, MADV_NOHUGEPAGE);     /* where THP is "always" */
	uintptr_t payload = ((uintptr_t)base + sizeof(struct block_header) + align - 1) & ~(uintptr_t)(align - 1);
	struct block_header *h = (struct block_header *)payload - 1;
	h->class_index = MEM_DIRECT;
	h->offset = (uint32_t)((char *)h - base);
	h->mapped = len;
	return h + 1;
}

static void *alloc_direct(size_t size)
{
	return alloc_direct_aligned(size, MEM_ALIGN);
}

/* Under mem_lock. */
static struct block_header *carve(size_t total)
{
	if (!region_next || (size_t)(region_end - region_next) < total) {
		char *r = map_pages(MEM_REGION_SIZE);
		if (!r)
			return NULL;
		region_next = r;        /* the rest of the old region is abandoned: at most one block's worth */
		region_end = r + MEM_REGION_SIZE;
	}
	struct block_header *h = (struct block_header *)region_next;
	region_next += total;
	return h;
}

void *mem_alloc(size_t size)
{
	if (size == 0)
		size = 1;
	int c = class_for(size);
	if (c < 0 || tls_in_mem)
		return alloc_direct(size);
	tls_in_mem = 1;
	ilock_acquire(&mem_lock);
	struct block_header *h;
	struct free_block *f = free_list[c];
	if (f) {
		free_list[c] = f->next;
		h = (struct block_header *)f - 1;
	} else {
		h = carve(sizeof *h + class_size[c]);
	}
	ilock_release(&mem_lock);
	tls_in_mem = 0;
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->class_index = (uint32_t)c;
	h->mapped = 0;
	return h + 1;
}

static size_t usable_size(const struct block_header *h)
{
	return is_direct(h) ? h->mapped - h->offset - sizeof *h : class_size[h->class_index];
}

void mem_free(void *p)
{
	if (!p)
		return;
	struct block_header *h = (struct block_header *)p - 1;
	if (is_direct(h)) {
		atomic_fetch_sub_explicit(&mapped_total, h->mapped, memory_order_relaxed);
		munmap((char *)h - h->offset, h->mapped);
		return;
	}
	if (tls_in_mem)
		return;                 /* re-entered from a signal handler: leak rather than deadlock */
	tls_in_mem = 1;
	ilock_acquire(&mem_lock);
	struct free_block *f = p;
	f->next = free_list[h->class_index];
	free_list[h->class_index] = f;
	ilock_release(&mem_lock);
	tls_in_mem = 0;
}

void *mem_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = mem_alloc(n * size);
	/* A mapping of its own is fresh from the kernel, zero already: clearing it would only fault every
	 * page in at once (a table of a million locks is tens of megabytes, most of it touched later or
	 * never). */
	if (p && !is_direct((struct block_header *)p - 1))
		memset(p, 0, n * size);
	return p;
}

void *mem_zalloc_aligned(size_t size, size_t align)
{
	if (align <= MEM_ALIGN)
		return mem_calloc(1, size);
	void *p = alloc_direct_aligned(size, align);
	if (!p)
		errno = ENOMEM;
	return p;
}

/* A mapping of its own grows by mremap: the kernel moves its pages, nothing is copied or touched (the
 * graph's and the site table's arrays double this way up to tens of megabytes).  A big block moves to
 * a place where its payload is aligned again, so its huge pages stay whole.  NULL with errno ENOMEM
 * when it cannot, the block unchanged. */
static void *grow_direct(struct block_header *h, size_t size)
{
	size_t off = h->offset, old = h->mapped;
	int big = is_big(h), huge = !(h->class_index & DIRECT_FLAT);
	size_t len = big ? big_len(size) : (size + off + sizeof *h + 4095) & ~(size_t)4095;
	char *base = (char *)h - off, *nbase = MAP_FAILED;
	if (len < size) {
		errno = ENOMEM;
		return NULL;
	}
	if (big) {
		char *to = map_big(len, PROT_NONE);
		if (to) {
			nbase = mremap(base, old, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
			if (nbase == MAP_FAILED)
				munmap(to, len);
			else if (huge && !hugepages_off)
				(void)madvise(nbase, len, MADV_HUGEPAGE);
		}
	}
	if (nbase == MAP_FAILED)
		nbase = mremap(base, old, len, MREMAP_MAYMOVE);
	if (nbase == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_fetch_add_explicit(&mapped_total, len - old, memory_order_relaxed);
	h = (struct block_header *)(nbase + off);
	h->mapped = len;
	return h + 1;
}

void *mem_realloc(void *p, size_t size)
{
	if (!p)
		return mem_alloc(size);
	if (size == 0) {
		mem_free(p);
		return NULL;
	}
	struct block_header *h = (struct block_header *)p - 1;
	size_t have = usable_size(h);
	/* Shrunk by less than half: kept.  A big block's room is rounded up to whole huge pages, so a
	 * table of 2^k elements growing into it looks like a shrink: kept while still big. */
	if (size <= have && (size >= have / 2 || have <= 64 || (is_big(h) && size >= BIG_BLOCK)))
		return p;
	if (is_direct(h) && size > have && (is_big(h) || size < BIG_BLOCK))
		return grow_direct(h, size);
	/* Growing past BIG_BLOCK for the first time: copied once into a big block. */
	void *q = NULL;
	if (size > have && size >= BIG_BLOCK)
		q = alloc_big(size, is_direct(h) && (h->class_index & DIRECT_FLAT));
	if (!q)
		q = mem_alloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, have < size ? have : size);
	mem_free(p);
	return q;
}

void mem_advise_flat(void *p)
{
	struct block_header *h = p ? (struct block_header *)p - 1 : NULL;
	if (h && is_direct(h) && !(h->class_index & DIRECT_FLAT)) {
		h->class_index |= DIRECT_FLAT;
		(void)madvise((char *)h - h->offset, h->mapped, MADV_NOHUGEPAGE);
	}
}

size_t mem_mapped_bytes(void)
{
	return atomic_load_explicit(&mapped_total, memory_order_relaxed);
}

void mem_lock_for_fork(void) { ilock_acquire(&mem_lock); }
void mem_unlock_after_fork(void) { ilock_release(&mem_lock); }
void mem_after_fork_child(void)
{
	ilock_reset(&mem_lock);
	tls_in_mem = 0;
}

/* The link-time redirection (see mem.h).  Hidden: the program never sees these names. */
#define HIDDEN __attribute__((visibility("hidden")))
HIDDEN void *__wrap_malloc(size_t size) { return mem_alloc(size); }
HIDDEN void *__wrap_calloc(size_t n, size_t size) { return mem_calloc(n, size); }
HIDDEN void *__wrap_realloc(void *p, size_t size) { return mem_realloc(p, size); }
HIDDEN void __wrap_free(void *p) { mem_free(p); }

HIDDEN char *__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = mem_alloc(n);
	return d ? memcpy(d, s, n) : NULL;
}

HIDDEN char *__wrap_strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d = mem_alloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Alignment beyond 16 bytes (thread records are cache-line aligned): a mapping of its own. */
HIDDEN int __wrap_posix_memalign(void **out, size_t align, size_t size)
{
	if (align == 0 || (align & (align - 1)) != 0 || align > 4096)
		return EINVAL;
	*out = align <= MEM_ALIGN ? mem_alloc(size) : alloc_direct_aligned(size, align);
	return *out ? 0 : ENOMEM;
}

HIDDEN void *__wrap_aligned_alloc(size_t align, size_t size)
{
	void *p = NULL;
	errno = __wrap_posix_memalign(&p, align, size);
	return p;
}

/* qsort: glibc's sorts into a malloc'ed copy once the array passes 1 KB, and that malloc is the
 * program's (libc's own call, not ours): Firefox's mozjemalloc, called back from the graph file's table
 * of loaded objects (363 segments) while its arena lock was held one frame up, was taken twice.  A
 * heapsort in place instead: no memory, O(n log n), not stable (no caller needs that). */
static void swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void sift_down(char *base, size_t root, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

HIDDEN void __wrap_qsort(void *array, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *base = array;
	if (n < 2 || size == 0)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, i, n, size, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap_bytes(base, base + end * size, size);
		sift_down(base, 0, end, size, cmp);
	}
}
