/*
 * icon_upgrade: lazy initialisation of the icon table with a reader/writer
 * lock, done wrong.  icon() takes the read lock and looks at the table; when
 * the table has not been loaded yet it asks for the write lock to load it,
 * without first releasing its read lock, as if a shared lock could be
 * upgraded in place.  A writer must wait until there are no readers, and the
 * remaining reader is the writer itself.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.5 (the RWMutex version of
 * Icon(): "there is no way to upgrade a shared lock to an exclusive one
 * without first releasing the shared lock"), also seeds/002.
 *
 * Expected verdict: double-lock (an rwlock read -> write upgrade by the same
 * thread).  The checker reports it and ends the process with 66; natively
 * pthread_rwlock_wrlock() never returns.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct icon {
	const char *name;
	unsigned size;
};

static const struct icon icon_set[] = {
	{ "spades.png", 16 }, { "hearts.png", 16 }, { "diamonds.png", 32 }, { "clubs.png", 32 },
};
#define NICONS (sizeof icon_set / sizeof icon_set[0])

static pthread_rwlock_t icons_lock = PTHREAD_RWLOCK_INITIALIZER;  /* guards icons */
static const struct icon *icons;        /* NULL until loaded */

/* Requires icons_lock held for writing. */
static void load_icons(void)
{
	icons = icon_set;
}

static const struct icon *find_icon(const char *name)
{
	for (size_t i = 0; i < NICONS; i++)
		if (strcmp(icons[i].name, name) == 0)
			return &icons[i];
	return NULL;
}

static const struct icon *icon(const char *name)
{
	const struct icon *ic;
	pthread_rwlock_rdlock(&icons_lock);
	if (icons) {
		ic = find_icon(name);
		pthread_rwlock_unlock(&icons_lock);
		return ic;
	}
	/* BUG: still holding the read lock. */
	pthread_rwlock_wrlock(&icons_lock);
	if (!icons)
		load_icons();
	ic = find_icon(name);
	pthread_rwlock_unlock(&icons_lock);
	pthread_rwlock_unlock(&icons_lock);
	return ic;
}

static void *painter(void *arg)
{
	const char *name = arg;
	const struct icon *ic = icon(name);
	printf("%s: %u px\n", name, ic ? ic->size : 0u);
	return NULL;
}

int main(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, painter, (void *)"hearts.png") != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(th, "painter");
	pthread_join(th, NULL);
	return 0;
}
