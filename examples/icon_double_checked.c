/*
 * icon_double_checked: the two correct ways to lazily load the whole icon
 * table, side by side, used by six concurrent threads.
 *
 *  - icon_rw(): double-checked locking with a reader/writer lock.  Look at
 *    the table under the read lock; if it is not loaded yet, release the read
 *    lock, take the write lock, check again (another thread may have loaded it
 *    meanwhile), load it if still needed, release.
 *  - icon_once(): the same table loaded through pthread_once(), which does
 *    the "lock, check a flag, initialise once" dance internally and makes the
 *    loaded table visible to every caller.
 *
 * Each thread looks every icon up both ways and checks that the answers agree;
 * each table must be loaded exactly once.  (Unlike icon_rwlock_lazy, which
 * fills a cache one icon at a time, this loads the whole table at once.)
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.5 (the RWMutex Icon() that
 * re-checks icons == nil under the exclusive lock, and the sync.Once
 * loadIconsOnce variant), also seeds/002 (sync.Once).
 *
 * Expected verdict: clean.  The read lock is always released before the write
 * lock is requested, pthread_once is never entered with a lock held, and its
 * init routine takes no lock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define THREADS 6
#define ROUNDS 200

struct icon {
	char name[32];
	unsigned size;
};

static const char *const icon_names[] = { "spades.png", "hearts.png", "diamonds.png", "clubs.png" };
#define NICONS (sizeof icon_names / sizeof icon_names[0])

/* Version 1: double-checked with a reader/writer lock. */
static pthread_rwlock_t icons_lock = PTHREAD_RWLOCK_INITIALIZER;  /* guards icons_rw */
static struct icon icons_rw_store[NICONS];
static const struct icon *icons_rw;     /* NULL until loaded */

/* Version 2: pthread_once. */
static pthread_once_t icons_once = PTHREAD_ONCE_INIT;
static struct icon icons_once_store[NICONS];
static const struct icon *icons_by_once;

static atomic_int rw_loads, once_loads;

/* The expensive part, shared by both versions: "decode" every icon. */
static void decode_all(struct icon *table)
{
	struct timespec ts = { 0, 10 * 1000000L };
	nanosleep(&ts, NULL);
	for (size_t i = 0; i < NICONS; i++) {
		snprintf(table[i].name, sizeof table[i].name, "%s", icon_names[i]);
		table[i].size = 16u << (i % 3);
	}
}

static const struct icon *find_icon(const struct icon *table, const char *name)
{
	for (size_t i = 0; i < NICONS; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* Requires icons_lock held for writing. */
static void load_icons_rw(void)
{
	decode_all(icons_rw_store);
	icons_rw = icons_rw_store;
	atomic_fetch_add(&rw_loads, 1);
}

static const struct icon *icon_rw(const char *name)
{
	const struct icon *ic;
	pthread_rwlock_rdlock(&icons_lock);
	if (icons_rw) {
		ic = find_icon(icons_rw, name);
		pthread_rwlock_unlock(&icons_lock);
		return ic;
	}
	pthread_rwlock_unlock(&icons_lock);

	pthread_rwlock_wrlock(&icons_lock);
	if (!icons_rw)                  /* must re-check: we did not hold any lock for a moment */
		load_icons_rw();
	ic = find_icon(icons_rw, name);
	pthread_rwlock_unlock(&icons_lock);
	return ic;
}

static void load_icons_once(void)
{
	decode_all(icons_once_store);
	icons_by_once = icons_once_store;
	atomic_fetch_add(&once_loads, 1);
}

static const struct icon *icon_once(const char *name)
{
	pthread_once(&icons_once, load_icons_once);
	return find_icon(icons_by_once, name);
}

static void *painter(void *arg)
{
	size_t start = (size_t)arg;
	size_t mismatches = 0;
	for (int r = 0; r < ROUNDS; r++) {
		const char *name = icon_names[(start + (size_t)r) % NICONS];
		const struct icon *a = (r + start) % 2 ? icon_rw(name) : icon_once(name);
		const struct icon *b = (r + start) % 2 ? icon_once(name) : icon_rw(name);
		if (!a || !b || a->size != b->size || strcmp(a->name, b->name) != 0)
			mismatches++;
	}
	return (void *)mismatches;
}

int main(void)
{
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		char name[32];
		if (pthread_create(&th[i], NULL, painter, (void *)(size_t)i) != 0) {
			perror("pthread_create");
			return 1;
		}
		snprintf(name, sizeof name, "painter-%d", i);
		pthread_setname_np(th[i], name);
	}
	size_t mismatches = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		mismatches += (size_t)r;
	}
	printf("rwlock table loaded %d time(s), once table loaded %d time(s), %zu mismatches\n",
	       atomic_load(&rw_loads), atomic_load(&once_loads), mismatches);
	return (mismatches || atomic_load(&rw_loads) != 1 || atomic_load(&once_loads) != 1) ? 1 : 0;
}
