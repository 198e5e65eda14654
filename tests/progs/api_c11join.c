/* C11 threads through thrd_create/thrd_join (glibc bypasses the pthread symbols for both):
 *   ok        a worker returns 7, main joins it: no report, res=7
 *   deadlock  main holds a mutex and joins a worker that waits for it: deadlock through a join */
#include <stdio.h>
#include <string.h>
#include <threads.h>

static mtx_t registry_lock;

static int worker(void *arg)
{
	if (arg) {
		mtx_lock(&registry_lock); /* worker: waits */
		mtx_unlock(&registry_lock);
	}
	return 7;
}

int main(int argc, char **argv)
{
	int deadlock = argc > 1 && strcmp(argv[1], "deadlock") == 0;
	thrd_t t;
	int res = 0;
	mtx_init(&registry_lock, mtx_plain);
	if (deadlock)
		mtx_lock(&registry_lock);
	thrd_create(&t, worker, deadlock ? &registry_lock : NULL); /* main: create */
	thrd_join(t, &res); /* main: join */
	printf("res=%d\n", res);
	return 0;
}
