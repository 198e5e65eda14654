/* big_tables: enough locks, taken in pairs, that coffman's lock-site table and graph records grow into
 * big blocks (shim/mem.c); then it counts its own mappings advised into huge pages (smaps VmFlags "hg")
 * and out of them ("nh").  Natively the program advises nothing.
 *
 *   big_tables [LOCKS]   (default 100000)
 *   prints: big_tables: hg=N nh=M */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mappings whose VmFlags line lists flag (two letters). */
static int count_flag(const char *flag)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	char line[512];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "VmFlags:", 8) != 0)
			continue;
		for (char *p = strtok(line + 8, " \n"); p; p = strtok(NULL, " \n"))
			if (strcmp(p, flag) == 0)
				n++;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	if (n < 2)
		return 2;
	pthread_mutex_t *m = malloc((size_t)n * sizeof *m);
	if (!m)
		return 1;
	for (long i = 0; i < n; i++)
		pthread_mutex_init(&m[i], NULL);
	for (long i = 0; i + 1 < n; i++) {     /* one new lock-order edge each */
		pthread_mutex_lock(&m[i]);
		pthread_mutex_lock(&m[i + 1]);
		pthread_mutex_unlock(&m[i + 1]);
		pthread_mutex_unlock(&m[i]);
	}
	printf("big_tables: hg=%d nh=%d\n", count_flag("hg"), count_flag("nh"));
	for (long i = 0; i < n; i++)
		pthread_mutex_destroy(&m[i]);
	free(m);
	return 0;
}
