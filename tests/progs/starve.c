/* starve: a lock that one thread keeps re-taking while another waits for it (contention.h).
 *   greedy  T2 holds shared_lock almost all the time, dropping it only for an instant between two
 *           critical sections; T3 waits for it meanwhile and is starved (until one of its waits has
 *           lasted a second, at most 2.5 s).
 *           Both run on one CPU, T3 at SCHED_IDLE (a background thread): woken by T2's unlock, T3
 *           runs only when the scheduler gives it a turn, and by then T2 has taken the lock again.
 *   greedy2 the same with two polite threads starving on the one lock: one report (once per lock)
 *   brief   greedy, and a third thread that takes the lock three times 0.3 s into a wait of T3 and
 *           exits (one such thread for each wait of T3's that reaches 0.3 s): the report (at 0.9 s, COFFMAN_STARVATION=900: time for it to finish on a busy machine) names it as exited, with its creation
 *           stack
 *   share   the same greedy T2, but T3 waits at most 60 ms at a time (pthread_mutex_timedlock, then
 *           tries again): no single wait is long, but they add up while T2 keeps re-taking the lock
 *           (an unfair share), until 8 of its tries have timed out.
 *   short   share with tries of 8 ms (run with a low threshold, COFFMAN_STARVATION=5,20): the waits
 *           reported add up to a few milliseconds (40 timeouts: more chances to be starved).
 *   rota    share, but four greedy threads take turns (10 ms each, the others spinning meanwhile): T3's
 *           waits add up while the re-takes are spread over the four, none with most of them.
 *   gone    a fair share whose re-taker has exited: T2 first waits 1.2 s for the lock (main holds it), then
 *           re-takes it while T3 waits in 60 ms tries, five of them (T2 waited longer than T3: fair);
 *           T2 exits, and T3 waits 0.3 s more for the lock, held once by main.  T3's waits add up,
 *           and the thread that re-took the lock most is gone: its own wait is no longer known, and
 *           no report is due.
 *   relay   the same, but T3's last waits are 60 ms tries again, while a new greedy thread T4 (which
 *           has not waited) re-takes the lock: T4's unfair share is reported.
 *   fair    the same two threads, but each one sleeps between its critical sections: T3 waits only
 *           briefly; then a long legitimate wait: T2 holds the lock 0.8 s in one go while T3 waits
 *           (long, but nobody else takes the lock meanwhile).  Neither is starvation.
 *   queue   a fair work queue: four workers running the same function pop 4,000 jobs from a queue
 *           behind shared_lock and do each job's work outside the lock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int polite_done;
static atomic_int greedy_started;
static atomic_int greedy_gone;
static long greedy_units;
static long long greedy_cap_ms = 2500;   /* share: until T3 is done (10 s at most) */
static int timed_tries = 8;              /* share: T3's timeouts before it is done */
static long try_ms = 60;                 /* share: how long each of T3's tries waits at most */
static atomic_int main_holds;            /* gone: main holds the lock for T3's last wait */
static atomic_int brief_wants;           /* brief: T4 is trying; T2 leaves it a gap after its unlock */
static atomic_int brief_taken;
static atomic_int brief_gap;             /* brief: T2 is in that gap (it does not hold the lock) */
static _Atomic long long polite_since;   /* when T3's current wait began (ms), 0 between waits */
static int relay;                        /* relay: T3's last waits are tries again */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void busy_us(int us)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static cpu_set_t one_cpu;

#define ROTA 4        /* rota: greedy threads taking turns */
#define ROTA_MS 10    /* rota: each one's turn */

static void *greedy_worker(void *arg)
{
	int slot = arg ? *(int *)arg : -1;      /* rota: its turn; -1: always greedy */
	pthread_setaffinity_np(pthread_self(), sizeof one_cpu, &one_cpu);
	long long end = now_ms() + greedy_cap_ms;
	for (;;) {
		if (slot >= 0 && (now_ms() / ROTA_MS) % ROTA != slot) {
			/* not its turn: running, not waiting for the lock (asleep, it would leave the CPU idle at
			 * the hand-over, and T3 would get in) */
			if (atomic_load(&polite_done) || now_ms() >= end)
				break;
			sched_yield();
			continue;
		}
		/* Nothing between the unlock and the next lock: the woken waiter finds it taken again. */
		pthread_mutex_lock(&shared_lock); /* greedy: take it again at once */
		if (atomic_load(&polite_done) || now_ms() >= end) {
			pthread_mutex_unlock(&shared_lock);
			break;
		}
		atomic_store(&greedy_started, 1);
		busy_us(200);
		greedy_units++;
		pthread_mutex_unlock(&shared_lock);
		if (atomic_load(&brief_wants)) {
			/* brief: a gap for T4's try, spent running, so that T3 (idle priority, this CPU) does not
			 * get in: on a busy machine T4 might otherwise never hit the instant between two holds */
			int seen = atomic_load(&brief_taken);
			long long until = now_ms() + 200;
			atomic_store(&brief_gap, 1);
			while (atomic_load(&brief_taken) == seen && now_ms() < until)
				;
			atomic_store(&brief_gap, 0);
		}
	}
	atomic_store(&greedy_gone, 1);
	return NULL;
}

/* T3's set-up: the greedy thread's CPU, background priority, and wait until T2 holds the lock. */
static void background_on_greedy_cpu(void)
{
	pthread_setaffinity_np(pthread_self(), sizeof one_cpu, &one_cpu);
	struct sched_param sp = { 0 };
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	while (!atomic_load(&greedy_started))
		usleep(1000);
}

/* brief: three quick takes during one of T3's waits, then gone (main starts one for each wait that
 * reaches 0.3 s: the takes themselves can let T3 in, ending that wait early) */
static void *brief_worker(void *arg)
{
	(void)arg;
	/* Tries in a spin, not waits: a waiter would be starved too (the wakes go to T3); T2 leaves a
	 * gap after its unlock while T4 wants the lock, and T4 tries only in it: a take while T2 is about
	 * to lock would block T2, and the unlock would hand the lock to T3, ending its wait. */
	atomic_store(&brief_wants, 1);
	for (int taken = 0; taken < 3;)
		if (!atomic_load(&brief_gap) && !atomic_load(&greedy_gone))
			continue;
		else if (pthread_mutex_trylock(&shared_lock) == 0) { /* brief: takes it */
			pthread_mutex_unlock(&shared_lock);
			atomic_store(&brief_taken, ++taken);
		}
	atomic_store(&brief_wants, 0);
	return NULL;
}

static void *polite_worker(void *arg)
{
	(void)arg;
	background_on_greedy_cpu();
	/* Now and then the scheduler lets T3 in early: try again until one wait lasted a second. */
	for (;;) {
		long long begin = now_ms();
		atomic_store(&polite_since, begin);
		pthread_mutex_lock(&shared_lock); /* polite: waits here */
		atomic_store(&polite_since, 0);
		pthread_mutex_unlock(&shared_lock);
		if (now_ms() - begin >= 1000 || atomic_load(&greedy_gone))
			break;
		usleep(20000);
	}
	atomic_store(&polite_done, 1);
	return NULL;
}

/* share: T3's waits, each at most try_ms (60 ms; short: 8 ms). */
static void *timed_worker(void *arg)
{
	(void)arg;
	background_on_greedy_cpu();
	for (int round = 0;; round++) {
		/* Now and then the scheduler lets T3 in early (a try that succeeds): count the timeouts. */
		int timeouts = 0, tries = round ? 8 : timed_tries;
		for (int i = 0; i < 100 && timeouts < tries && !atomic_load(&greedy_gone); i++) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += try_ms * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			if (pthread_mutex_timedlock(&shared_lock, &until) == 0) { /* share: waits here */
				pthread_mutex_unlock(&shared_lock);
				/* Let T2 take it back: without a pause, T3 can win try after try in a burst while
				 * T2 is off its CPU (4 runs in 100 natively), and use up its tries with no wait. */
				usleep(2000);
			} else {
				timeouts++;
			}
		}
		atomic_store(&polite_done, 1);
		if (timed_tries != 5 || round)  /* 5: gone, relay */
			return NULL;
		/* gone, relay: more waits, after T2 has exited */
		while (!atomic_load(&main_holds))
			usleep(1000);
		if (!relay) {
			pthread_mutex_lock(&shared_lock); /* gone: waits after the re-taker exited */
			pthread_mutex_unlock(&shared_lock);
			return NULL;
		}
		background_on_greedy_cpu();
	}
}

/* queue: the jobs left, behind shared_lock. */
static int jobs_left = 4000;

static void *queue_worker(void *arg)
{
	long *done = arg;
	for (;;) {
		pthread_mutex_lock(&shared_lock); /* queue: pop */
		int job = jobs_left > 0 ? jobs_left-- : 0;
		pthread_mutex_unlock(&shared_lock);
		if (!job)
			break;
		busy_us(50);
		++*done;
	}
	return NULL;
}

static void *fair_worker(void *arg)
{
	int long_hold = *(int *)arg;
	for (int i = 0; i < 150; i++) {
		pthread_mutex_lock(&shared_lock); /* fair: brief */
		busy_us(50);
		pthread_mutex_unlock(&shared_lock);
		usleep(500);
	}
	if (long_hold) {
		pthread_mutex_lock(&shared_lock);
		atomic_store(&greedy_started, 1);
		usleep(800000);
		pthread_mutex_unlock(&shared_lock);
	} else {
		while (!atomic_load(&greedy_started))
			usleep(1000);
		pthread_mutex_lock(&shared_lock); /* fair: long wait */
		pthread_mutex_unlock(&shared_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "greedy";
	pthread_t a, b;
	int two = strcmp(mode, "greedy2") == 0, brief = strcmp(mode, "brief") == 0;
	pthread_t c;
	if (two || brief)
		mode = "greedy";
	relay = strcmp(mode, "relay") == 0;
	int rota = strcmp(mode, "rota") == 0;
	static int slots[ROTA];
	pthread_t more[ROTA];
	if (rota)
		mode = "share";
	if (strcmp(mode, "short") == 0) {
		mode = "share";
		try_ms = 8;
		timed_tries = 40;
	}
	int gone = relay || strcmp(mode, "gone") == 0;
	if (gone) {
		mode = "share";
		timed_tries = 5;
		pthread_mutex_lock(&shared_lock); /* gone: main holds it while T2 waits */
	}
	if (strcmp(mode, "greedy") == 0 || strcmp(mode, "share") == 0) {
		cpu_set_t all;
		CPU_ZERO(&one_cpu);
		if (sched_getaffinity(0, sizeof all, &all) == 0)
			for (int c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &all)) {
					CPU_SET(c, &one_cpu);
					break;
				}
		if (strcmp(mode, "share") == 0)
			greedy_cap_ms = 10000;
		for (int i = 0; i < ROTA; i++)
			slots[i] = i;
		pthread_create(&a, NULL, greedy_worker, rota ? &slots[0] : NULL);
		for (int i = 1; rota && i < ROTA; i++)
			pthread_create(&more[i], NULL, greedy_worker, &slots[i]);
		pthread_create(&b, NULL, strcmp(mode, "greedy") == 0 ? polite_worker : timed_worker, NULL);
		pthread_setname_np(a, "greedy");
		pthread_setname_np(b, "polite");
		if (two)
			pthread_create(&c, NULL, polite_worker, NULL);
		/* brief: a brief taker 0.3 s into each of T3's waits, until T3 is done (one wait of 1 s) */
		for (long long served = 0; brief && !atomic_load(&polite_done); usleep(1000)) {
			long long since = atomic_load(&polite_since);
			if (since && since != served && now_ms() - since >= 300) {
				served = since;
				pthread_create(&c, NULL, brief_worker, NULL); /* brief: created here */
				pthread_join(c, NULL);
			}
		}
		if (gone) {
			usleep(1200000); /* T2 waits: long beside T3's waits to come, even on a busy machine */
			pthread_mutex_unlock(&shared_lock);
			pthread_join(a, NULL);
			if (relay) {
				atomic_store(&greedy_started, 0);
				atomic_store(&greedy_gone, 0);
				atomic_store(&polite_done, 0);
				pthread_create(&a, NULL, greedy_worker, NULL);
				pthread_setname_np(a, "greedy2");
				atomic_store(&main_holds, 1);
				pthread_join(a, NULL);
			} else {
				pthread_mutex_lock(&shared_lock);
				atomic_store(&main_holds, 1);
				usleep(300000);
				pthread_mutex_unlock(&shared_lock);
			}
			pthread_join(b, NULL);
			printf("starve %s: done\n", relay ? "relay" : "gone");
			return 0;
		}
	} else if (strcmp(mode, "queue") == 0) {
		pthread_t w[4];
		long done[4] = { 0 };
		for (int i = 0; i < 4; i++)
			pthread_create(&w[i], NULL, queue_worker, &done[i]);
		for (int i = 0; i < 4; i++)
			pthread_join(w[i], NULL);
		printf("starve queue: %ld jobs done\n", done[0] + done[1] + done[2] + done[3]);
		return 0;
	} else {
		static int yes = 1, no = 0;
		pthread_create(&a, NULL, fair_worker, &yes);
		pthread_create(&b, NULL, fair_worker, &no);
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (two)
		pthread_join(c, NULL);
	for (int i = 1; rota && i < ROTA; i++)
		pthread_join(more[i], NULL);
	printf("starve %s: done\n", rota ? "rota" : mode);
	return 0;
}
