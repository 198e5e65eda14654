/* mkdata: a deterministic mixed input for the compressors, written to stdout.
 *
 * The output is a sequence of 64 KiB blocks, each chosen by a fixed-seed generator: about half text
 * (sentences from a small vocabulary: compresses well, exercises the match finders), a third random bytes
 * (incompressible: stored or nearly), the rest zeros (runs).  The same arguments always give the same
 * bytes, so compressed outputs can be compared across runs and machines.
 *
 *   mkdata [mb=100] [seed=1] > file
 */
#include "common.h"

#define BLOCK 65536

static const char *const words[] = {
	"the", "lock", "order", "graph", "thread", "holds", "mutex", "while", "waiting", "for", "another",
	"which", "is", "held", "by", "a", "cycle", "means", "deadlock", "can", "happen", "when", "two",
	"threads", "take", "same", "locks", "in", "opposite", "orders", "and", "each", "one", "blocks",
	"forever", "checker", "records", "edges", "between", "acquisitions", "reports", "with", "stacks",
	"of", "both", "sites", "so", "that", "programmer", "sees", "where", "it", "went", "wrong", "condition",
	"variable", "signal", "broadcast", "spurious", "wakeup", "reader", "writer", "priority", "fairness",
	"starvation", "livelock", "backoff", "retry", "timeout", "owner", "recursive", "error", "checking",
	"robust", "process", "shared", "memory", "futex", "kernel", "scheduler", "preempted", "cache", "line",
	"false", "sharing", "atomic", "compare", "exchange", "fence", "acquire", "release", "sequentially",
	"consistent", "relaxed", "ordering", "benchmark", "median", "ratio", "native", "overhead",
};
#define NWORDS (sizeof words / sizeof words[0])

static size_t fill_text(struct bench_rng *r, char *buf, size_t cap)
{
	size_t n = 0;
	int in_sentence = 0;
	while (n + 32 < cap) {
		const char *w = words[bench_rng_below(r, NWORDS)];
		size_t len = strlen(w);
		memcpy(buf + n, w, len);
		if (!in_sentence && buf[n] >= 'a' && buf[n] <= 'z')
			buf[n] = (char)(buf[n] - 'a' + 'A');
		n += len;
		in_sentence = 1;
		uint64_t p = bench_rng_below(r, 100);
		if (p < 8) {
			buf[n++] = '.';
			buf[n++] = p < 2 ? '\n' : ' ';
			in_sentence = 0;
		} else if (p < 12) {
			buf[n++] = ',';
			buf[n++] = ' ';
		} else {
			buf[n++] = ' ';
		}
	}
	while (n < cap)
		buf[n++] = '\n';
	return n;
}

int main(int argc, char **argv)
{
	static const char *const known[] = { "mb", "seed", NULL };
	bench_check_args(argc, argv, known);
	long mb = bench_arg(argc, argv, "mb", 100);
	long seed = bench_arg(argc, argv, "seed", 1);
	struct bench_rng kind_rng, data_rng;
	bench_rng_seed(&kind_rng, (uint64_t)seed);
	bench_rng_seed(&data_rng, (uint64_t)seed * 0x9e3779b97f4a7c15ull + 1);
	static char buf[BLOCK];
	long blocks = mb * (1024 * 1024 / BLOCK);
	for (long b = 0; b < blocks; b++) {
		uint64_t kind = bench_rng_below(&kind_rng, 100);
		if (kind < 50) {
			fill_text(&data_rng, buf, BLOCK);
		} else if (kind < 83) {
			for (size_t i = 0; i < BLOCK; i += 8) {
				uint64_t x = bench_rng_next(&data_rng);
				memcpy(buf + i, &x, 8);
			}
		} else {
			memset(buf, 0, BLOCK);
		}
		if (fwrite(buf, 1, BLOCK, stdout) != BLOCK) {
			perror("mkdata: write");
			return 1;
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
