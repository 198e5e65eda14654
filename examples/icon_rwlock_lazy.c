/*
 * icon_rwlock_lazy: a lazily filled icon cache guarded by a reader/writer
 * lock, done right.  icon() looks the name up under the read lock; on a miss
 * it releases the read lock, takes the write lock, looks again (another thread
 * may have loaded the icon in between), loads it if it is still missing, and
 * releases.  Six threads ask for the four icons many times, in different
 * orders; every icon must be loaded exactly once.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, sections 9.3 and 9.5 (sync.RWMutex,
 * and the lazily initialised Icon() that must re-check after taking the
 * exclusive lock), also seeds/002 (RWMutex).
 *
 * Expected verdict: clean.  There is a single lock; the read lock is always
 * released before the write lock is requested, so no thread ever waits on a
 * lock it holds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define THREADS 6
#define LOOKUPS 400

struct icon {
	const char *name;
	unsigned width, height;
	unsigned checksum;
};

static const char *const icon_names[] = { "spades.png", "hearts.png", "diamonds.png", "clubs.png" };
#define NICONS (sizeof icon_names / sizeof icon_names[0])

static pthread_rwlock_t icons_lock = PTHREAD_RWLOCK_INITIALIZER;  /* guards icon_cache */
static struct icon icon_store[NICONS];
static const struct icon *icon_cache[NICONS];   /* NULL until loaded */

static atomic_int loads[NICONS];

static int icon_slot(const char *name)
{
	for (size_t i = 0; i < NICONS; i++)
		if (strcmp(icon_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* The expensive part: "decode" the image.  Called with the write lock held. */
static const struct icon *load_icon(int slot)
{
	struct timespec ts = { 0, 5 * 1000000L };
	nanosleep(&ts, NULL);
	struct icon *ic = &icon_store[slot];
	ic->name = icon_names[slot];
	ic->width = ic->height = 16u << slot;
	ic->checksum = 0;
	for (const char *p = ic->name; *p; p++)
		ic->checksum = ic->checksum * 31u + (unsigned char)*p;
	atomic_fetch_add(&loads[slot], 1);
	return ic;
}

static const struct icon *icon(const char *name)
{
	int slot = icon_slot(name);
	if (slot < 0)
		return NULL;

	pthread_rwlock_rdlock(&icons_lock);
	const struct icon *ic = icon_cache[slot];
	pthread_rwlock_unlock(&icons_lock);
	if (ic)
		return ic;

	/* Miss: the read lock is released; now take the exclusive lock. */
	pthread_rwlock_wrlock(&icons_lock);
	if (!icon_cache[slot])          /* re-check: someone may have won the race */
		icon_cache[slot] = load_icon(slot);
	ic = icon_cache[slot];
	pthread_rwlock_unlock(&icons_lock);
	return ic;
}

static void *painter(void *arg)
{
	unsigned seed = (unsigned)(size_t)arg;
	unsigned bad = 0;
	for (int i = 0; i < LOOKUPS; i++) {
		seed = seed * 1103515245u + 12345u;
		const char *name = icon_names[(seed >> 16) % NICONS];
		const struct icon *ic = icon(name);
		if (!ic || strcmp(ic->name, name) != 0)
			bad++;
	}
	return (void *)(size_t)bad;
}

int main(void)
{
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		char name[32];
		if (pthread_create(&th[i], NULL, painter, (void *)(size_t)(i * 7919 + 1)) != 0) {
			perror("pthread_create");
			return 1;
		}
		snprintf(name, sizeof name, "painter-%d", i);
		pthread_setname_np(th[i], name);
	}
	size_t bad = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad += (size_t)r;
	}
	int status = bad ? 1 : 0;
	for (size_t i = 0; i < NICONS; i++) {
		int n = atomic_load(&loads[i]);
		printf("%-13s loaded %d time(s)\n", icon_names[i], n);
		if (n > 1)
			status = 1;
	}
	if (status)
		fprintf(stderr, "icon_rwlock_lazy: wrong icon or icon loaded twice\n");
	return status;
}
