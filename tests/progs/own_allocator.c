/* A program with an allocator of its own that keeps its arena lock while it takes a second lock, the
 * way Firefox's mozjemalloc does (and every malloc of the program's libc goes to it): after loading a
 * dozen libraries, one allocation makes a new edge, arena -> stats.  With --graph-dir the checker
 * looks for the stats lock (mapped, in no object) in its table of loaded objects, which is stale after
 * the loads, so it refreshes the table there and sorts it; glibc's qsort sorted into a malloc'ed copy
 * once the table passed 1 KB, and that malloc was this one, with the arena lock held one frame up: a
 * self-deadlock that the checker reported as a double-lock and ended the process on.
 *
 *   own_allocator    prints "own_allocator: N segments, M checker calls inside the allocator"
 *                    (M: allocations made while this thread was already inside the allocator) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#define HEAP_SIZE (256u << 20)
static char heap[HEAP_SIZE] __attribute__((aligned(64)));
static size_t heap_used;
static pthread_mutex_t arena = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *stats;      /* mapped: outside every loaded object, so not a static lock */
static int nest_now;
static __thread int inside;
static int reentered;
static unsigned long nallocs;

struct header {
	size_t size;
	size_t pad;
};

static void *alloc_aligned(size_t size, size_t align)
{
	if (align < 16)
		align = 16;
	if (inside)
		reentered++;        /* called back from within an allocation: the arena lock is ours */
	inside++;
	pthread_mutex_lock(&arena);
	if (nest_now) {
		pthread_mutex_lock(stats);      /* arena -> stats, while the arena lock is held */
		nallocs++;
		pthread_mutex_unlock(stats);
	}
	uintptr_t start = (uintptr_t)heap + heap_used + sizeof(struct header);
	start = (start + align - 1) & ~(uintptr_t)(align - 1);
	void *p = NULL;
	if (start + size <= (uintptr_t)heap + HEAP_SIZE) {
		((struct header *)start)[-1].size = size;
		heap_used = start + size - (uintptr_t)heap;
		p = (void *)start;
	}
	pthread_mutex_unlock(&arena);
	inside--;
	if (!p)
		errno = ENOMEM;
	return p;
}

void *malloc(size_t size) { return alloc_aligned(size, 16); }
void free(void *p) { (void)p; }
void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = alloc_aligned(n * size, 16);
	return p ? memset(p, 0, n * size) : NULL;
}
void *realloc(void *old, size_t size)
{
	void *p = alloc_aligned(size, 16);
	if (p && old) {
		size_t was = ((struct header *)old)[-1].size;
		memcpy(p, old, was < size ? was : size);
	}
	return p;
}
int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = alloc_aligned(size, align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
void *aligned_alloc(size_t align, size_t size) { return alloc_aligned(size, align); }
void *memalign(size_t align, size_t size) { return alloc_aligned(size, align); }
void *valloc(size_t size) { return alloc_aligned(size, 4096); }
void *pvalloc(size_t size) { return alloc_aligned((size + 4095) & ~(size_t)4095, 4096); }
size_t malloc_usable_size(void *p) { return p ? ((struct header *)p)[-1].size : 0; }

static int count_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++)
		*(int *)arg += info->dlpi_phdr[i].p_type == PT_LOAD;
	return 0;
}

int main(void)
{
	static const char *libs[] = { "libm.so.6", "libresolv.so.2", "libanl.so.1", "libutil.so.1",
				      "libnss_files.so.2", "libnss_dns.so.2", "libBrokenLocale.so.1",
				      "libthread_db.so.1", "librt.so.1", "libdl.so.2", "libz.so.1",
				      "libcrypt.so.1", "libnsl.so.2", "libnsl.so.1" };
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
		dlopen(libs[i], RTLD_NOW);
	int segments = 0;
	dl_iterate_phdr(count_segments, &segments);
	stats = mmap(NULL, sizeof *stats, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED)
		return 1;
	pthread_mutex_init(stats, NULL);
	nest_now = 1;
	char *p = malloc(100);          /* the new edge, arena -> stats */
	snprintf(p, 100, "%d segments", segments);
	printf("own_allocator: %s, %d checker calls inside the allocator\n", p, reentered);
	return 0;
}
