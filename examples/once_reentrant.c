/*
 * once_reentrant: a one-time initialiser that, indirectly, needs itself.
 * icon() runs load_icons() through pthread_once(&icons_once, ...).  While
 * loading, load_icons() finds an icon it cannot decode and substitutes the
 * placeholder from fallback_icon(), a helper that simply calls the public
 * icon() again, which calls pthread_once() on the same, still running, once
 * control.  pthread_once waits for the initialisation to finish, and the
 * initialisation is waiting for pthread_once.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.5 (sync.Once: "a Once
 * consists of a mutex and a boolean", loadIconsOnce.Do(loadIcons)), also
 * seeds/002 (sync.Once).  Re-entering Do from its own function deadlocks
 * just like re-locking a non-re-entrant mutex.
 *
 * Expected verdict: double-lock (pthread_once re-entry by the thread that is
 * running the init routine).  The checker reports it and ends the process
 * with 66; natively the program hangs forever in the inner pthread_once.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct icon {
	const char *name;
	unsigned size;          /* 0: could not be decoded */
};

static struct icon icon_table[] = {
	{ "spades.png", 16 }, { "hearts.png", 0 }, { "placeholder.png", 16 }, { "clubs.png", 16 },
};
#define NICONS (sizeof icon_table / sizeof icon_table[0])

static pthread_once_t icons_once = PTHREAD_ONCE_INIT;
static int icons_loaded;

static const struct icon *icon(const char *name);

static const struct icon *fallback_icon(void)
{
	return icon("placeholder.png");         /* re-enters pthread_once */
}

static void load_icons(void)
{
	for (size_t i = 0; i < NICONS; i++)
		if (icon_table[i].size == 0)
			icon_table[i].size = fallback_icon()->size;
	icons_loaded = 1;
}

static const struct icon *icon(const char *name)
{
	pthread_once(&icons_once, load_icons);
	for (size_t i = 0; i < NICONS; i++)
		if (strcmp(icon_table[i].name, name) == 0)
			return &icon_table[i];
	return NULL;
}

static void *painter(void *arg)
{
	const char *name = arg;
	const struct icon *ic = icon(name);
	printf("%s: %u px (loaded=%d)\n", name, ic ? ic->size : 0u, icons_loaded);
	return NULL;
}

int main(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, painter, (void *)"spades.png") != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(th, "painter");
	pthread_join(th, NULL);
	return 0;
}
