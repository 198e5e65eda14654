/* Takes a stripped library's own static lock and one of its own, in both orders (an inversion):
 * tests/frames_static_lock.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

void static_lock_take(pthread_mutex_t *other, int library_first);

int main(void)
{
	pthread_mutex_t *mine = malloc(sizeof *mine);
	pthread_mutex_init(mine, NULL);
	static_lock_take(mine, 1);      /* main: the library's lock first */
	static_lock_take(mine, 0);      /* main: the program's lock first */
	puts("static_lock: done");
	return 0;
}
