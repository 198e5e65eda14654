/* Worker threads parked behind a lock their main thread holds while it has no work for them, as
 * redis-server parks its I/O threads (tests/misuse_watchdog_parked.sh): main takes park_lock, starts
 * two workers that each take and release it (so they wait there), then waits 2.5 s for events, and
 * lets go.
 *
 *   watchdog_parked epoll   main's wait is epoll_wait on an empty epoll set, 100 ms at a time, as an
 *                           event loop with a timer runs (redis's serverCron)
 *   watchdog_parked poll    one poll of a pipe nobody writes to, 2.5 s
 *   watchdog_parked busy    epoll_wait idle 0.8 s, then 2.5 s of work: 19 ms running, 1 ms in
 *                           epoll_wait, as a server whose main thread serves one client itself
 *                           (redis-server under a light load) and is seen running at most checks
 *   watchdog_parked read    main blocks in read() of a pipe a helper thread writes to after 2.5 s:
 *                           not an event loop's wait, so the workers' waits count (a hang)
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static int pipe_fds[2];

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&park_lock); /* parked: waits for main */
	pthread_mutex_unlock(&park_lock);
	return NULL;
}

static void *late_writer(void *arg)
{
	(void)arg;
	struct timespec ts = { 2, 500000000 };
	nanosleep(&ts, NULL);
	if (write(pipe_fds[1], "x", 1) != 1)
		perror("write");
	return NULL;
}

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void serve_one_client(int ep)
{
	struct epoll_event ev;
	epoll_wait(ep, &ev, 1, 800);
	long long end = now_us() + 2500000;
	while (now_us() < end) {
		long long busy = now_us() + 19000;
		while (now_us() < busy)
			;
		epoll_wait(ep, &ev, 1, 1);
	}
}

static void wait_for_events(const char *how)
{
	if (strcmp(how, "epoll") == 0) {
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev;
		for (int i = 0; i < 25; i++)
			epoll_wait(ep, &ev, 1, 100);
		close(ep);
	} else if (strcmp(how, "busy") == 0) {
		int ep = epoll_create1(EPOLL_CLOEXEC);
		serve_one_client(ep);
		close(ep);
	} else if (strcmp(how, "poll") == 0) {
		struct pollfd p = { pipe_fds[0], POLLIN, 0 };
		poll(&p, 1, 2500);
	} else {
		pthread_t w;
		pthread_create(&w, NULL, late_writer, NULL);
		char c;
		if (read(pipe_fds[0], &c, 1) != 1) /* parked: main blocks in read */
			perror("read");
		pthread_join(w, NULL);
	}
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "epoll";
	if (pipe(pipe_fds) != 0)
		return 1;
	pthread_t workers[2];
	pthread_mutex_lock(&park_lock);
	for (int i = 0; i < 2; i++)
		pthread_create(&workers[i], NULL, worker, NULL);
	wait_for_events(how);
	pthread_mutex_unlock(&park_lock);
	for (int i = 0; i < 2; i++)
		pthread_join(workers[i], NULL);
	printf("watchdog_parked: %s done\n", how);
	return 0;
}
