/* pthread_once.  Usage: api_once MODE
 *   reenter  init_config() calls ensure_config(), which calls pthread_once on the same control
 *            (hangs forever natively)
 *   many     8 threads start together and call pthread_once(&table_once, init_table); the routine
 *            takes 50 ms and a mutex; it must run once */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start_line;
static int table_inits, table_users;

static void init_config(void);

static void ensure_config(void)
{
	pthread_once(&config_once, init_config); /* once: re-entered */
}

static void init_config(void)
{
	printf("api_once: init_config\n");
	fflush(stdout);
	ensure_config(); /* once: helper called from the init routine */
}

static void init_table(void)
{
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);
	pthread_mutex_lock(&table_lock);
	table_inits++;
	pthread_mutex_unlock(&table_lock);
}

static void *table_user(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	pthread_once(&table_once, init_table);
	pthread_mutex_lock(&table_lock);
	table_users++;
	pthread_mutex_unlock(&table_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "reenter") == 0) {
		pthread_once(&config_once, init_config); /* once: first call */
		printf("api_once: not reached\n");
		return 0;
	}
	if (strcmp(mode, "many") == 0) {
		pthread_t th[8];
		pthread_barrier_init(&start_line, NULL, 8);
		for (int i = 0; i < 8; i++)
			pthread_create(&th[i], NULL, table_user, NULL);
		for (int i = 0; i < 8; i++)
			pthread_join(th[i], NULL);
		printf("api_once: inits=%d users=%d\n", table_inits, table_users);
		return 0;
	}
	fprintf(stderr, "api_once: unknown mode '%s'\n", mode);
	return 2;
}
