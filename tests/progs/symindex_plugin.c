/* A library with a symbol table the size of Node.js's (100,000 exported symbols) and 1,000 static locks
 * of its own, each a class of its own in a graph file, each named there by the symbol that contains it:
 * 1,000 distinct symbol look-ups at exit (tests/frames_symindex.sh).  Beside them, the shapes of
 * symbol table where elfutils' choice of symbol takes care to reproduce: an alias of another binding,
 * a symbol inside a bigger one, an assembly label (no size) inside a sized symbol and one alone, and
 * (unstripped) local symbols.  Loaded by api_dlopen, which calls plugin_run(). */
#include <pthread.h>

#define D(n) int symindex_fill_##n = 1;
#define D10(n) D(n##0) D(n##1) D(n##2) D(n##3) D(n##4) D(n##5) D(n##6) D(n##7) D(n##8) D(n##9)
#define D100(n) D10(n##0) D10(n##1) D10(n##2) D10(n##3) D10(n##4) D10(n##5) D10(n##6) D10(n##7) D10(n##8) D10(n##9)
#define D1000(n) D100(n##0) D100(n##1) D100(n##2) D100(n##3) D100(n##4) D100(n##5) D100(n##6) D100(n##7) D100(n##8) D100(n##9)
#define D10000(n) D1000(n##0) D1000(n##1) D1000(n##2) D1000(n##3) D1000(n##4) D1000(n##5) D1000(n##6) D1000(n##7) D1000(n##8) D1000(n##9)
D10000(1) D10000(2) D10000(3) D10000(4) D10000(5) D10000(6) D10000(7) D10000(8) D10000(9) D10000(10)

/* 1,000 exported locks and 100 static ones, and the table of them in the order they are taken */
#define L(n) pthread_mutex_t symindex_lock_##n = PTHREAD_MUTEX_INITIALIZER;
#define L10(n) L(n##0) L(n##1) L(n##2) L(n##3) L(n##4) L(n##5) L(n##6) L(n##7) L(n##8) L(n##9)
#define L100(n) L10(n##0) L10(n##1) L10(n##2) L10(n##3) L10(n##4) L10(n##5) L10(n##6) L10(n##7) L10(n##8) L10(n##9)
L100(1) L100(2) L100(3) L100(4) L100(5) L100(6) L100(7) L100(8) L100(9) L100(10)
#define S(n) static pthread_mutex_t symindex_static_##n = PTHREAD_MUTEX_INITIALIZER;
#define S10(n) S(n##0) S(n##1) S(n##2) S(n##3) S(n##4) S(n##5) S(n##6) S(n##7) S(n##8) S(n##9)
S10(1) S10(2) S10(3) S10(4) S10(5) S10(6) S10(7) S10(8) S10(9) S10(10)
#define P(n) &symindex_lock_##n,
#define P10(n) P(n##0) P(n##1) P(n##2) P(n##3) P(n##4) P(n##5) P(n##6) P(n##7) P(n##8) P(n##9)
#define P100(n) P10(n##0) P10(n##1) P10(n##2) P10(n##3) P10(n##4) P10(n##5) P10(n##6) P10(n##7) P10(n##8) P10(n##9)
#define Q(n) &symindex_static_##n,
#define Q10(n) Q(n##0) Q(n##1) Q(n##2) Q(n##3) Q(n##4) Q(n##5) Q(n##6) Q(n##7) Q(n##8) Q(n##9)

/* The shapes: shape_table, with a weak alias; shape_inner, two of its locks; shape_mid, a label (no
 * size) at another; shape_label, a label with no sized symbol around it (a lock in zeroed memory: the
 * static initialiser of a mutex is all zeroes). */
pthread_mutex_t shape_table[8] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};
extern pthread_mutex_t shape_alias[8] __attribute__((weak, alias("shape_table")));
__asm__(".globl shape_inner\n.type shape_inner, @object\n.set shape_inner, shape_table + 2 * 40\n"
	".size shape_inner, 2 * 40\n"
	".globl shape_mid\n.type shape_mid, @object\n.set shape_mid, shape_table + 5 * 40\n.size shape_mid, 0\n"
	".pushsection .data\n.balign 64\n.globl shape_label\n.type shape_label, @object\nshape_label:\n"
	".zero 40\n.popsection\n");
extern pthread_mutex_t shape_label;

static pthread_mutex_t *const order[] = {
	P100(1) P100(2) P100(3) P100(4) P100(5) P100(6) P100(7) P100(8) P100(9) P100(10)
	Q10(1) Q10(2) Q10(3) Q10(4) Q10(5) Q10(6) Q10(7) Q10(8) Q10(9) Q10(10)
	&shape_table[0], &shape_table[2], &shape_table[3], &shape_table[5], &shape_table[7], &shape_label,
};

#ifdef SYMINDEX_MANY_STATICS
/* 1,000 more static locks: stripped, no symbol contains them, as no symbol contains a stripped
 * library's static functions (every unnamed frame of LibreOffice's libraries, and its static locks). */
#define T(n) static pthread_mutex_t symindex_more_##n = PTHREAD_MUTEX_INITIALIZER;
#define T10(n) T(n##0) T(n##1) T(n##2) T(n##3) T(n##4) T(n##5) T(n##6) T(n##7) T(n##8) T(n##9)
#define T100(n) T10(n##0) T10(n##1) T10(n##2) T10(n##3) T10(n##4) T10(n##5) T10(n##6) T10(n##7) T10(n##8) T10(n##9)
T100(1) T100(2) T100(3) T100(4) T100(5) T100(6) T100(7) T100(8) T100(9) T100(10)
#define R(n) &symindex_more_##n,
#define R10(n) R(n##0) R(n##1) R(n##2) R(n##3) R(n##4) R(n##5) R(n##6) R(n##7) R(n##8) R(n##9)
#define R100(n) R10(n##0) R10(n##1) R10(n##2) R10(n##3) R10(n##4) R10(n##5) R10(n##6) R10(n##7) R10(n##8) R10(n##9)
static pthread_mutex_t *const more[] = {
	R100(1) R100(2) R100(3) R100(4) R100(5) R100(6) R100(7) R100(8) R100(9) R100(10)
};
#endif

static void pairs(pthread_mutex_t *const *v, int n)
{
	for (int i = 0; i + 1 < n; i++) {
		pthread_mutex_lock(v[i]);
		pthread_mutex_lock(v[i + 1]);
		pthread_mutex_unlock(v[i + 1]);
		pthread_mutex_unlock(v[i]);
	}
}

/* Each lock with the next one: an edge per pair, no cycle. */
int plugin_run(void)
{
	int n = (int)(sizeof order / sizeof order[0]);
	pairs(order, n);
#ifdef SYMINDEX_MANY_STATICS
	int m = (int)(sizeof more / sizeof more[0]);
	pairs(more, m);
	n += m;
#endif
	return n;
}
