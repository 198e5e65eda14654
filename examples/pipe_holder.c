/*
 * pipe_holder: a lock held across blocking I/O.  The "reloader" thread takes
 * config_lock and then reads the new configuration from a pipe, but nobody
 * ever writes to that pipe (main keeps the write end open, so read() never
 * sees end-of-file either).  Main then wants config_lock to read the current
 * settings and waits behind the stuck reader forever.
 *
 * Seed: seeds/003_37c9db461cc6681c.txt, section 9.7 (why holding a lock
 * across slow I/O serialises everyone behind it) and the starvation
 * discussion of seeds/001_518e47ce9874e2a8.txt.
 *
 * Expected verdict: hang, with the watchdog on (--watchdog=1).  This is not a
 * deadlock the checker can prove: the holder waits in read(), not on a lock,
 * condition or join, so there is no wait-for cycle.  The watchdog sees main
 * blocked on config_lock for longer than a second, reports the hang and ends
 * the process with 66.  Natively the program hangs forever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards config_value */
static int config_value = 1;
static int config_pipe[2];
static sem_t reloader_holds_lock;

static void reload_config(void)
{
	pthread_mutex_lock(&config_lock);
	sem_post(&reloader_holds_lock);
	int fresh;
	ssize_t n = read(config_pipe[0], &fresh, sizeof fresh);        /* blocks forever */
	if (n == (ssize_t)sizeof fresh)
		config_value = fresh;
	pthread_mutex_unlock(&config_lock);
}

static int read_config(void)
{
	pthread_mutex_lock(&config_lock);
	int v = config_value;
	pthread_mutex_unlock(&config_lock);
	return v;
}

static void *reloader(void *arg)
{
	(void)arg;
	reload_config();
	return NULL;
}

int main(void)
{
	if (pipe(config_pipe) != 0) {
		perror("pipe");
		return 1;
	}
	sem_init(&reloader_holds_lock, 0, 0);
	pthread_t th;
	if (pthread_create(&th, NULL, reloader, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	pthread_setname_np(th, "reloader");
	while (sem_wait(&reloader_holds_lock) != 0)
		;
	printf("config value: %d\n", read_config());    /* waits behind the reloader */
	pthread_join(th, NULL);
	return 0;
}
