/* The program of api_libctor.sh: linked against the library built from api_libctor_lib.c, whose
 * constructor (run before main) started a worker waiting on a condition variable and took libctor_a
 * then libctor_b.  main waits until the worker is surely in its wait, takes the two locks the other
 * way round (with "inversion"), then stops the worker: pthread_cond_signal on the condition variable
 * the worker has been waiting on since before main. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern pthread_mutex_t libctor_a, libctor_b;
void libctor_stop(void);

int main(int argc, char **argv)
{
	usleep(100 * 1000);
	if (argc > 1 && strcmp(argv[1], "inversion") == 0) {
		pthread_mutex_lock(&libctor_b);
		pthread_mutex_lock(&libctor_a); /* api_libctor: edge b->a in main */
		pthread_mutex_unlock(&libctor_a);
		pthread_mutex_unlock(&libctor_b);
	}
	libctor_stop();
	puts("api_libctor: stopped");
	return 0;
}
