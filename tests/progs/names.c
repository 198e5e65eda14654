/* Names in reports.  argv[1]:
 *   struct   a lock that is a field of a global struct (named 'bank+OFFSET'), taken through an
 *            always-inline helper (shown as an [inlined] frame of its own) against audit_lock
 *   once     pthread_once re-entered from its init routine: the stack runs through coffman's
 *            pthread_once wrapper, which must never appear in it */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct bank {
	long total;
	pthread_mutex_t lock;   /* not at offset 0: the report says bank+8 */
};

struct bank bank = { 0, PTHREAD_MUTEX_INITIALIZER };
static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static inline __attribute__((always_inline)) void lock_pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
	pthread_mutex_lock(first);
	pthread_mutex_lock(second); /* lock_pair: second */
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

static __attribute__((noinline)) void post_to_bank(void)
{
	lock_pair(&audit_lock, &bank.lock); /* post_to_bank: pair */
}

static __attribute__((noinline)) void audit_bank(void)
{
	lock_pair(&bank.lock, &audit_lock); /* audit_bank: pair */
}

static void setup(void);

static __attribute__((noinline)) void ensure_setup(void)
{
	pthread_once(&setup_once, setup); /* ensure_setup: once */
}

static void setup(void)
{
	ensure_setup(); /* setup: re-enters */
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	if (strcmp(what, "struct") == 0) {
		post_to_bank();
		audit_bank();
	} else if (strcmp(what, "once") == 0) {
		ensure_setup();
	} else {
		fprintf(stderr, "usage: names struct|once\n");
		return 2;
	}
	puts("done");
	return 0;
}
