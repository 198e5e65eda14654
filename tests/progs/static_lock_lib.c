/* A library with a lock of its own in its static data (tests/frames_static_lock.sh strips it: no
 * symbol names the lock then, as in a distribution's library). */
#include <pthread.h>

static pthread_mutex_t library_lock = PTHREAD_MUTEX_INITIALIZER;

/* Takes the library's lock and the caller's, in the order asked. */
void static_lock_take(pthread_mutex_t *other, int library_first)
{
	pthread_mutex_t *a = library_first ? &library_lock : other, *b = library_first ? other : &library_lock;
	pthread_mutex_lock(a);
	pthread_mutex_lock(b);
	pthread_mutex_unlock(b);
	pthread_mutex_unlock(a);
}
