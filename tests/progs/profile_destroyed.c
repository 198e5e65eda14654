/* A lock initialised by pthread_mutex_init, used, and destroyed before exit (as a server's or a thread
 * pool's locks are at shutdown), beside one from PTHREAD_MUTEX_INITIALIZER: the profile's table at exit
 * must still say the first was created in make_pool_lock, and only the second at a static initializer. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t static_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static pthread_mutex_t *make_pool_lock(void)
{
	pthread_mutex_t *m = malloc(sizeof *m);
	if (!m || pthread_mutex_init(m, NULL) != 0)
		exit(1);
	return m;
}

int main(void)
{
	pthread_mutex_t *pool_lock = make_pool_lock();
	for (int i = 0; i < 10; i++) {
		pthread_mutex_lock(pool_lock);
		pthread_mutex_lock(&static_lock);
		pthread_mutex_unlock(&static_lock);
		pthread_mutex_unlock(pool_lock);
	}
	pthread_mutex_destroy(pool_lock);       /* not freed: the address stays this lock's */
	printf("profile_destroyed: done\n");
	return 0;
}
