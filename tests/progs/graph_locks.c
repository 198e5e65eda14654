/* graph_locks: lock orders for the graph-file tests (tests/graphs_*.sh).  Each argument is one step:
 *   ab ba bc cb ac   take the first global lock, then the second (lock_a, lock_b, lock_c)
 *   ca               lock_c then lock_a, in close_the_loop() (a function a suppression can name)
 *   a-item item-a    lock_a and a heap item's lock (initialised in item_new: a site class)
 *   stack-a          a lock on the stack, initialised in with_stack_lock, then lock_a
 *   live             lock_a then lock_b, then lock_b then lock_a: a cycle reported live
 *   exec             exec this program again with the argument "bc"
 *   term             raise SIGTERM (the default action: the process is killed)
 *   double           lock lock_c twice (a double-lock: coffman ends the process)
 *   pause            wait 200 ms
 *   disp             print the dispositions of SIGINT and SIGTERM as sigaction and signal report
 *                    them ("SIGINT default default SIGTERM default default", or "other")
 *   restore          save SIGTERM's disposition and give it back, with signal() and with sigaction(),
 *                    a handler of its own in between (the pattern of code that borrows a signal)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;

struct item {
	pthread_mutex_t mu;
	int value;
};

static struct item *item_new(void)
{
	struct item *it = calloc(1, sizeof *it);
	pthread_mutex_init(&it->mu, NULL); /* graph: item class */
	return it;
}

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
	pthread_mutex_lock(outer); /* graph: nest outer */
	pthread_mutex_lock(inner); /* graph: nest inner */
	pthread_mutex_unlock(inner);
	pthread_mutex_unlock(outer);
}

static void close_the_loop(void)
{
	pthread_mutex_lock(&lock_c);
	pthread_mutex_lock(&lock_a); /* graph: close the loop */
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_c);
}

static void on_term(int sig)
{
	(void)sig;
}

static const char *name_of(void (*h)(int))
{
	return h == SIG_DFL ? "default" : h == SIG_IGN ? "ignored" : "other";
}

static void print_disposition(int sig, const char *name)
{
	struct sigaction sa;
	sigaction(sig, NULL, &sa);
	const char *by_sigaction = (sa.sa_flags & SA_SIGINFO) ? "other" : name_of(sa.sa_handler);
	void (*h)(int) = signal(sig, SIG_IGN);
	signal(sig, h);
	printf("%s %s %s", name, by_sigaction, name_of(h));
}

static void borrow_sigterm(void)
{
	void (*h)(int) = signal(SIGTERM, on_term);
	signal(SIGTERM, h);
	struct sigaction mine, saved;
	memset(&mine, 0, sizeof mine);
	mine.sa_handler = on_term;
	sigemptyset(&mine.sa_mask);
	sigaction(SIGTERM, &mine, &saved);
	sigaction(SIGTERM, &saved, NULL);
}

static void with_stack_lock(void)
{
	pthread_mutex_t mine;
	pthread_mutex_init(&mine, NULL); /* graph: stack class */
	nest(&mine, &lock_a);
	pthread_mutex_destroy(&mine);
}

int main(int argc, char **argv)
{
	struct item *it = item_new();
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "ab") == 0)
			nest(&lock_a, &lock_b);
		else if (strcmp(s, "ba") == 0)
			nest(&lock_b, &lock_a);
		else if (strcmp(s, "bc") == 0)
			nest(&lock_b, &lock_c);
		else if (strcmp(s, "cb") == 0)
			nest(&lock_c, &lock_b);
		else if (strcmp(s, "ac") == 0)
			nest(&lock_a, &lock_c);
		else if (strcmp(s, "ca") == 0)
			close_the_loop();
		else if (strcmp(s, "a-item") == 0)
			nest(&lock_a, &it->mu);
		else if (strcmp(s, "item-a") == 0)
			nest(&it->mu, &lock_a);
		else if (strcmp(s, "stack-a") == 0)
			with_stack_lock();
		else if (strcmp(s, "live") == 0) {
			nest(&lock_a, &lock_b);
			nest(&lock_b, &lock_a);
		} else if (strcmp(s, "exec") == 0) {
			execl(argv[0], argv[0], "bc", (char *)NULL);
			perror("execl");
			return 1;
		} else if (strcmp(s, "term") == 0) {
			raise(SIGTERM);
		} else if (strcmp(s, "double") == 0) {
			pthread_mutex_lock(&lock_c);
			pthread_mutex_lock(&lock_c);
		} else if (strcmp(s, "disp") == 0) {
			print_disposition(SIGINT, "SIGINT");
			putchar(' ');
			print_disposition(SIGTERM, "SIGTERM");
			putchar('\n');
			fflush(stdout);
		} else if (strcmp(s, "restore") == 0) {
			borrow_sigterm();
		} else if (strcmp(s, "pause") == 0) {
			struct timespec ts = { 0, 200000000 };
			nanosleep(&ts, NULL);
		} else {
			fprintf(stderr, "graph_locks: unknown step %s\n", s);
			return 2;
		}
	}
	pthread_mutex_destroy(&it->mu);
	free(it);
	return 0;
}
