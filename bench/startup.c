/* startup: how long a short program takes from fork to exit, run many times in a row.
 *
 *   startup [runs=200] -- PROGRAM [ARGS...]
 *   prints: runs= ms_median= ms_min= ms_p90= cpu_ms_median=
 *
 * Each run is fork + execvp + waitpid, timed on CLOCK_MONOTONIC (wall) and by the child's rusage (user +
 * system CPU).  The median is what bench/run compares: a single slow run (the machine is shared) moves
 * it little.  Every child must exit 0, or the program exits 1 without a result.  The tool itself is not
 * run under coffman: bench/run puts the launcher (or LD_PRELOAD) in PROGRAM's place.
 */
#include "common.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int sep = 1;
	while (sep < argc && strcmp(argv[sep], "--") != 0)
		sep++;
	if (sep >= argc - 1) {
		fprintf(stderr, "usage: startup [runs=N] -- PROGRAM [ARGS...]\n");
		return 2;
	}
	static const char *const known[] = {"runs", NULL};
	bench_check_args(sep, argv, known);
	long runs = bench_arg(sep, argv, "runs", 200);
	if (runs < 1)
		runs = 1;
	double *wall = calloc((size_t)runs, sizeof *wall), *cpu = calloc((size_t)runs, sizeof *cpu);
	if (!wall || !cpu)
		return 1;
	for (long i = 0; i < runs; i++) {
		uint64_t t0 = bench_now_ns();
		pid_t pid = fork();
		if (pid < 0) {
			perror("startup: fork");
			return 1;
		}
		if (pid == 0) {
			execvp(argv[sep + 1], argv + sep + 1);
			_exit(127);
		}
		int st;
		struct rusage ru;
		if (wait4(pid, &st, 0, &ru) != pid) {
			perror("startup: wait4");
			return 1;
		}
		uint64_t t1 = bench_now_ns();
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "startup: run %ld of %s: %s %d\n", i + 1, argv[sep + 1],
				WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			return 1;
		}
		wall[i] = (double)(t1 - t0) / 1e6;
		cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	}
	qsort(wall, (size_t)runs, sizeof *wall, cmp_double);
	qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
	printf("runs=%ld ms_median=%.4f ms_min=%.4f ms_p90=%.4f cpu_ms_median=%.4f\n", runs, wall[runs / 2], wall[0],
	       wall[runs * 9 / 10], cpu[runs / 2]);
	return 0;
}
