/* A library whose constructor takes a lock of the program that loads it (api_glib_late.c), as a
 * plugin's initialisation may: it runs inside dlopen, with the loader's lock held. */
#include <pthread.h>
#include <stdatomic.h>

extern pthread_mutex_t late_lock;
extern atomic_int late_in_ctor;

__attribute__((constructor)) static void take_program_lock(void)
{
	atomic_store(&late_in_ctor, 1);
	pthread_mutex_lock(&late_lock);
	pthread_mutex_unlock(&late_lock);
}
