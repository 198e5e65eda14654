/* A library the size of a distribution's largest (built by frames_manysyms.sh, stripped like one):
 * 40,000 exported symbols — LibreOffice's libmergedlo.so exports 43,000 — and lock-order cycles whose
 * stacks run 30 frames deep through it, half of them in an exported function and half in static
 * ones (without a name once stripped).  Loaded by api_dlopen, which calls
 * plugin_run(). */
#include <pthread.h>

#define D(n) int manysyms_##n = 1;
#define D10(n) D(n##0) D(n##1) D(n##2) D(n##3) D(n##4) D(n##5) D(n##6) D(n##7) D(n##8) D(n##9)
#define D100(n) D10(n##0) D10(n##1) D10(n##2) D10(n##3) D10(n##4) D10(n##5) D10(n##6) D10(n##7) D10(n##8) D10(n##9)
#define D1000(n) D100(n##0) D100(n##1) D100(n##2) D100(n##3) D100(n##4) D100(n##5) D100(n##6) D100(n##7) D100(n##8) D100(n##9)
#define D10000(n) D1000(n##0) D1000(n##1) D1000(n##2) D1000(n##3) D1000(n##4) D1000(n##5) D1000(n##6) D1000(n##7) D1000(n##8) D1000(n##9)
D10000(1) D10000(2) D10000(3) D10000(4)

#define CYCLES 30
static pthread_mutex_t first[CYCLES], second[CYCLES];

/* The two locks of cycle i in one order or the other: a static function, so a frame without a name
 * (stripped: "?? (libmanysyms.so+0x...)") */
static void take_both(int i, int backwards)
{
	pthread_mutex_t *x = backwards ? &second[i] : &first[i], *y = backwards ? &first[i] : &second[i];
	pthread_mutex_lock(x);
	pthread_mutex_lock(y);
	pthread_mutex_unlock(y);
	pthread_mutex_unlock(x);
}

static int step(int depth, int i, int backwards);

/* depth frames, alternately this exported function and the static step(), then take_both() */
int manysyms_descend(int depth, int i, int backwards)
{
	if (depth > 0)
		return step(depth - 1, i, backwards) + 1;
	take_both(i, backwards);
	return 0;
}

static int step(int depth, int i, int backwards)
{
	return manysyms_descend(depth - (depth > 0), i, backwards) + 1;
}

int plugin_run(void)
{
	for (int i = 0; i < CYCLES; i++) {
		pthread_mutex_init(&first[i], NULL);
		pthread_mutex_init(&second[i], NULL);
	}
	for (int i = 0; i < CYCLES; i++) {
		manysyms_descend(30, i, 0);
		manysyms_descend(30, i, 1);
	}
	for (int i = 0; i < CYCLES; i++) {
		pthread_mutex_destroy(&first[i]);
		pthread_mutex_destroy(&second[i]);
	}
	return CYCLES;
}
