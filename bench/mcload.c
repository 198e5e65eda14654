/* mcload: a small memcached load generator, used by bench/run when memaslap (Debian: memcaslap) is not
 * installed.  `threads` threads, one TCP connection each to 127.0.0.1:port, send synchronous ASCII
 * requests for `seconds` seconds: 90% get, 10% set of a `value`-byte item, keys drawn from `keys`.  Every
 * hit is checked against the value its key must hold.
 *
 *   mcload port=N [threads=4] [seconds=3] [keys=10000] [value=100]
 *   prints: ops= gets= sets= hits= seconds= ops_per_s= errors=
 */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

static long port, seconds, nkeys, vsize;
static atomic_int stop;

struct worker {
	int id;
	long ops, gets, sets, hits, errors;
} __attribute__((aligned(128)));

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read until the buffer ends with `end`; returns the length or -1. */
static ssize_t recv_until(int fd, char *buf, size_t cap, const char *end)
{
	size_t n = 0, elen = strlen(end);
	for (;;) {
		if (n >= elen && memcmp(buf + n - elen, end, elen) == 0)
			return (ssize_t)n;
		if (n == cap)
			return -1;
		ssize_t k = read(fd, buf + n, cap - n);
		if (k <= 0)
			return -1;
		n += (size_t)k;
	}
}

static void make_value(char *v, long key)
{
	for (long i = 0; i < vsize; i++)
		v[i] = (char)('a' + (key + i) % 26);
}

static void *run(void *p)
{
	struct worker *w = p;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		w->errors++;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct bench_rng rng;
	bench_rng_seed(&rng, 0xc0ffee00u + (uint64_t)w->id);
	size_t cap = (size_t)vsize + 256;
	char *req = bench_xcalloc(cap, 1), *resp = bench_xcalloc(cap, 1), *val = bench_xcalloc((size_t)vsize + 1, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		long key = (long)bench_rng_below(&rng, (uint64_t)nkeys);
		make_value(val, key);
		if (bench_rng_below(&rng, 10) == 0) {
			int n = snprintf(req, cap, "set k%ld 0 0 %ld\r\n", key, vsize);
			memcpy(req + n, val, (size_t)vsize);
			memcpy(req + n + vsize, "\r\n", 2);
			if (send_all(fd, req, (size_t)n + (size_t)vsize + 2) != 0 ||
			    recv_until(fd, resp, cap, "\r\n") != 8 || memcmp(resp, "STORED\r\n", 8) != 0) {
				w->errors++;
				break;
			}
			w->sets++;
		} else {
			int n = snprintf(req, cap, "get k%ld\r\n", key);
			ssize_t r;
			if (send_all(fd, req, (size_t)n) != 0 || (r = recv_until(fd, resp, cap, "END\r\n")) < 0) {
				w->errors++;
				break;
			}
			if (r > 5) {
				char *data = memchr(resp, '\n', (size_t)r);
				if (!data || memcmp(data + 1, val, (size_t)vsize) != 0)
					w->errors++;
				w->hits++;
			}
			w->gets++;
		}
		w->ops++;
	}
	close(fd);
	free(req);
	free(resp);
	free(val);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "port", "threads", "seconds", "keys", "value", NULL };
	bench_check_args(argc, argv, known);
	port = bench_arg(argc, argv, "port", 0);
	int nthreads = (int)bench_arg(argc, argv, "threads", 4);
	seconds = bench_arg(argc, argv, "seconds", 3);
	nkeys = bench_arg(argc, argv, "keys", 10000);
	vsize = bench_arg(argc, argv, "value", 100);
	if (port < 1 || port > 65535 || nthreads < 1 || nthreads > 64 || seconds < 1 || nkeys < 1 || vsize < 1 ||
	    vsize > 1000000) {
		fprintf(stderr, "mcload: port=1..65535 required; threads 1..64, seconds, keys >= 1, value 1..1e6\n");
		return 2;
	}
	struct worker *w = bench_xcalloc((size_t)nthreads, sizeof *w);
	pthread_t *th = bench_xcalloc((size_t)nthreads, sizeof *th);
	uint64_t t0 = bench_now_ns();
	for (int i = 0; i < nthreads; i++) {
		w[i].id = i;
		BENCH_CHECK(pthread_create(&th[i], NULL, run, &w[i]));
	}
	struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };
	nanosleep(&ts, NULL);
	atomic_store(&stop, 1);
	long ops = 0, gets = 0, sets = 0, hits = 0, errors = 0;
	for (int i = 0; i < nthreads; i++) {
		BENCH_CHECK(pthread_join(th[i], NULL));
		ops += w[i].ops;
		gets += w[i].gets;
		sets += w[i].sets;
		hits += w[i].hits;
		errors += w[i].errors;
	}
	double secs = (double)(bench_now_ns() - t0) / 1e9;
	printf("ops=%ld gets=%ld sets=%ld hits=%ld seconds=%.3f ops_per_s=%.0f errors=%ld\n", ops, gets, sets, hits,
	       secs, (double)ops / secs, errors);
	free(th);
	free(w);
	return errors ? 1 : 0;
}
