/* deps_symtab: the symbol containing an address, from a sorted index of the module's symbol table.
 *
 * elfutils 0.188 answers dwfl_module_addrinfo by scanning the module's whole symbol table on every call
 * (__libdwfl_addrsym).  deps_symbolize.c keeps each answer by address, which is enough when a few
 * hundred return addresses repeat, but not when the addresses are many and distinct: Node.js's
 * executable exports 110,000 symbols, and under --graph-dir the 400 distinct creation sites and
 * static locks named at exit took 2.2 s of every run, 5.5 ms each.  So a module's table is indexed
 * once, at its second look-up (one look-up never pays for an index), when it is big enough for a scan
 * to matter.  A new session (after a dlopen, deps_symbolize.c) makes new modules of the same files:
 * an index is handed on to the same file at the same place, checked on a sample of its symbols.
 *
 * The index must give libdw's own answer, not a plausible one: the graph files name classes by it and
 * must agree with the reports and with other processes.  libdw's choice, reproduced:
 *   - only named symbols that are defined and are not section, file or TLS symbols take part;
 *   - the global symbols (those from dwfl_module_getsymtab_first_global on) are searched first, and
 *     the local ones only when no sized global contains the address and no sizeless global sits
 *     exactly at it (which the index does not try to reproduce: it leaves that case to libdw);
 *   - among the sized symbols that contain the address, in table order, a symbol replaces the one
 *     kept when it starts later, or binds more strongly (global over weak over local), or starts at
 *     the same address and is smaller without binding more weakly, or is no larger and binds more
 *     strongly: a fold, whose result can depend on the order, so it is made in table order;
 *   - with no sized symbol containing the address, libdw falls back to an assembly label (a sizeless
 *     symbol in the same section, not inside another symbol): that answer, rarer, is left to libdw too;
 *     but where no local symbols are searched (a stripped library) and no label lies between the end of
 *     the symbols below the address and the address, the answer is no symbol, given without a scan:
 *     the commonest look-up in a stripped library (an unnamed frame, a static lock).
 * Values are those of dwfl_module_getsym_info, the same call libdw's search makes.  Architectures with
 * function descriptors (64-bit PowerPC ELFv1) try each function at two addresses: no index there.
 * COFFMAN_SYMTAB_CHECK compares every indexed answer with libdw's (tests/frames_symindex.sh). */
#include "deps_symtab.h"
#include "deps_ns.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#if defined(__powerpc64__) && (!defined(_CALL_ELF) || _CALL_ELF < 2)
#define SYMTAB_INDEX 0
#else
#define SYMTAB_INDEX 1
#endif

#define INDEX_MIN_SYMBOLS 1024  /* a scan of fewer costs tens of microseconds */
#define INDEX_AFTER_LOOKUPS 2   /* a module looked up once is scanned once */
#define MAX_CONTAINING 16       /* symbols containing one address (aliases); more: left to libdw */
#define MAX_STEPS 4096          /* spans looked at for one address; more: left to libdw */

struct span {
	GElf_Addr value;        /* dwfl_module_getsym_info's value */
	GElf_Addr size;
	GElf_Addr reach;        /* the furthest end of this span and of every span sorted before it */
	int ndx;                /* the symbol's index in libdw's numbering */
};

struct span_table {
	struct span *v;
	size_t n, cap;
};

struct module_index {
	Dwfl_Module *mod;       /* the key: the module, for as long as its session lives */
	unsigned lookups;
	int state;              /* 0 not built yet, 1 built, -1 not worth building or failed */
	int nsyms, first_global;
	char *file;             /* the module's name, start and end: what a later session's module of the */
	Dwarf_Addr start, end;  /* same file at the same place has too */
	struct span_table global, local;
	GElf_Addr *labels;      /* the sizeless global symbols' values, sorted */
	size_t nlabels, labels_cap;
	struct module_index *next;      /* in the list of retired indexes */
	UT_hash_handle hh;
};

static struct module_index *indexes;
static struct module_index *retired;    /* built in the session before this one */

/* ---------------------------------------------------------------- the check mode */

static int check_fd = -1;
static unsigned long check_answers, check_mismatches;

void symtab_check_open(const char *path)
{
	if (path && path[0])
		check_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

static void check_write(const char *line, int len)
{
	if (len > 0 && deps_fd_still_ours(check_fd) && write(check_fd, line, (size_t)len) < 0)
		return;
}

/* Whether libdw's own search gives the same answer; a difference is written down. */
static int check(Dwfl_Module *mod, uintptr_t addr, const char *name, GElf_Off off, const GElf_Sym *sym)
{
	GElf_Off ref_off = 0;
	GElf_Sym ref;
	memset(&ref, 0, sizeof ref);
	const char *ref_name = dwfl_module_addrinfo(mod, addr, &ref_off, &ref, NULL, NULL, NULL);
	check_answers++;
	int same = (name == NULL) == (ref_name == NULL) && (!name || strcmp(name, ref_name) == 0) &&
		   (!name || (off == ref_off && sym->st_name == ref.st_name && sym->st_value == ref.st_value &&
			      sym->st_size == ref.st_size && sym->st_info == ref.st_info &&
			      sym->st_shndx == ref.st_shndx));
	if (same)
		return 1;
	check_mismatches++;
	char line[1024];
	const char *modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	int len = snprintf(line, sizeof line, "coffman symtab check: pid %d: %s %#lx: index %s+%#lx, libdw %s+%#lx\n",
			   (int)getpid(), modname ? modname : "?", (unsigned long)addr, name ? name : "(none)",
			   (unsigned long)off, ref_name ? ref_name : "(none)", (unsigned long)ref_off);
	check_write(line, len < (int)sizeof line ? len : (int)sizeof line - 1);
	return 0;
}

void symtab_check_summary(void)
{
	if (check_fd < 0)
		return;
	char line[160];
	int len = snprintf(line, sizeof line, "coffman symtab check: pid %d: %lu answers, %lu mismatches\n",
			   (int)getpid(), check_answers, check_mismatches);
	check_write(line, len);
}

/* ---------------------------------------------------------------- building */

/* A symbol libdw's search considers at all. */
static int eligible(const char *name, const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);
	return name && name[0] && sym->st_shndx != SHN_UNDEF && type != STT_SECTION && type != STT_FILE &&
	       type != STT_TLS;
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	void *p = realloc(*v, c * size);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static int span_add(struct span_table *t, GElf_Addr value, GElf_Addr size, int ndx)
{
	if (grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v) != 0)
		return -1;
	t->v[t->n++] = (struct span){ value, size, 0, ndx };
	return 0;
}

static int span_order(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return (x->ndx > y->ndx) - (x->ndx < y->ndx);
}

static int value_order(const void *a, const void *b)
{
	GElf_Addr x = *(const GElf_Addr *)a, y = *(const GElf_Addr *)b;
	return (x > y) - (x < y);
}

static void span_sort(struct span_table *t)
{
	if (t->n == 0)
		return;         /* an empty table has no array, and qsort may not be given NULL */
	qsort(t->v, t->n, sizeof *t->v, span_order);
	GElf_Addr reach = 0;
	for (size_t i = 0; i < t->n; i++) {
		GElf_Addr end = t->v[i].value + t->v[i].size;
		if (end < t->v[i].value)
			end = (GElf_Addr)-1;    /* a size that wraps: reaches everything above */
		if (end > reach)
			reach = end;
		t->v[i].reach = reach;
	}
}

static void index_free(struct module_index *x)
{
	free(x->file);
	x->file = NULL;
	free(x->global.v);
	free(x->local.v);
	free(x->labels);
	memset(&x->global, 0, sizeof x->global);
	memset(&x->local, 0, sizeof x->local);
	x->labels = NULL;
	x->nlabels = x->labels_cap = 0;
}

/* The index r, built for another session's module of the same file, fits x's module: the same
 * table, and a sample of its spans reads the same. */
static int fits(const struct module_index *r, Dwfl_Module *mod)
{
	const struct span_table *tables[2] = { &r->global, &r->local };
	for (int t = 0; t < 2; t++) {
		size_t n = tables[t]->n;
		for (size_t k = 0; k < 8 && k < n; k++) {
			const struct span *s = &tables[t]->v[k * (n - 1) / 7];
			GElf_Sym sym;
			GElf_Addr value;
			const char *name = dwfl_module_getsym_info(mod, s->ndx, &sym, &value, NULL, NULL, NULL);
			if (!eligible(name, &sym) || value != s->value || sym.st_size != s->size)
				return 0;
		}
	}
	return 1;
}

/* Take over a retired index of the same file at the same place, if there is one. */
static int adopt(struct module_index *x)
{
	for (struct module_index **p = &retired; *p; p = &(*p)->next) {
		struct module_index *r = *p;
		if (r->start != x->start || r->end != x->end || r->nsyms != x->nsyms ||
		    r->first_global != x->first_global || strcmp(r->file, x->file) != 0 || !fits(r, x->mod))
			continue;
		*p = r->next;
		x->global = r->global;
		x->local = r->local;
		x->labels = r->labels;
		x->nlabels = r->nlabels;
		x->labels_cap = r->labels_cap;
		free(r->file);
		free(r);
		return 1;
	}
	return 0;
}

static int build(struct module_index *x)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int n = dwfl_module_getsymtab(x->mod);
	int first_global = dwfl_module_getsymtab_first_global(x->mod);
	const char *file = dwfl_module_info(x->mod, NULL, &x->start, &x->end, NULL, NULL, NULL, NULL);
	if (n < INDEX_MIN_SYMBOLS || first_global < 0 || !file || !(x->file = strdup(file)))
		return -1;
	x->nsyms = n;
	x->first_global = first_global;
	if (adopt(x)) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (check_fd >= 0) {
			char line[1024];
			int len = snprintf(line, sizeof line, "coffman symtab check: pid %d: %s: index of %d symbols "
					   "taken over from the session before\n", (int)getpid(), file, n);
			check_write(line, len < (int)sizeof line ? len : (int)sizeof line - 1);
		}
		return 0;
	}
	int globals_from = first_global == 0 ? 1 : first_global;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		const char *name = dwfl_module_getsym_info(x->mod, i, &sym, &value, NULL, NULL, NULL);
		if (!eligible(name, &sym))
			continue;
		int global = i >= globals_from;
		int failed;
		if (sym.st_size != 0) {
			failed = span_add(global ? &x->global : &x->local, value, sym.st_size, i);
		} else if (global) {
			failed = grow((void **)&x->labels, &x->labels_cap, x->nlabels + 1, sizeof *x->labels);
			if (!failed)
				x->labels[x->nlabels++] = value;
		} else {
			failed = 0;
		}
		if (failed) {
			index_free(x);
			return -1;
		}
	}
	span_sort(&x->global);
	span_sort(&x->local);
	if (x->nlabels)
		qsort(x->labels, x->nlabels, sizeof *x->labels, value_order);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (check_fd >= 0) {
		char line[1024];
		const char *modname = dwfl_module_info(x->mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
		int len = snprintf(line, sizeof line, "coffman symtab check: pid %d: %s: indexed %d symbols "
				   "(%zu sized global, %zu sized local, %zu labels) in %.1f ms\n", (int)getpid(),
				   modname ? modname : "?", n, x->global.n, x->local.n, x->nlabels,
				   (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		check_write(line, len < (int)sizeof line ? len : (int)sizeof line - 1);
	}
	return 0;
}

/* ---------------------------------------------------------------- looking up */

/* How many spans of t start at or below addr (the index of the first one starting above it). */
static size_t spans_upto(const struct span_table *t, GElf_Addr addr)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The symbols of t that contain addr, by index in table order, into out: how many, or -1 for more
 * than fit or more than MAX_STEPS spans to look at (a symbol spanning much of the module). */
static int containing(const struct span_table *t, GElf_Addr addr, int *out)
{
	size_t lo = spans_upto(t, addr);
	int k = 0, steps = 0;
	for (size_t i = lo; i-- > 0 && t->v[i].reach > addr;) {
		if (++steps > MAX_STEPS)
			return -1;
		if (addr - t->v[i].value < t->v[i].size) {
			if (k == MAX_CONTAINING)
				return -1;
			out[k++] = t->v[i].ndx;
		}
	}
	for (int i = 1; i < k; i++) {   /* into table order: the fold below depends on it */
		int v = out[i], j = i;
		for (; j > 0 && out[j - 1] > v; j--)
			out[j] = out[j - 1];
		out[j] = v;
	}
	return k;
}

static int has_label_at(const struct module_index *x, GElf_Addr addr)
{
	return bsearch(&addr, x->labels, x->nlabels, sizeof *x->labels, value_order) != NULL;
}

/* The furthest end of the spans of t that start at or below addr (0: none does). */
static GElf_Addr reach_below(const struct span_table *t, GElf_Addr addr)
{
	size_t n = spans_upto(t, addr);
	return n ? t->v[n - 1].reach : 0;
}

/* Whether a label lies in [from, to]. */
static int has_label_in(const struct module_index *x, GElf_Addr from, GElf_Addr to)
{
	size_t lo = 0, hi = x->nlabels;
	while (lo < hi) {               /* the first label at or above from */
		size_t mid = lo + (hi - lo) / 2;
		if (x->labels[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->nlabels && x->labels[lo] <= to;
}

static int binding_rank(const GElf_Sym *s)
{
	switch (GELF_ST_BIND(s->st_info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

/* libdw's choice among the k sized symbols containing addr, in table order. */
static const char *choose(Dwfl_Module *mod, const int *ndx, int k, uintptr_t addr, GElf_Off *off, GElf_Sym *out)
{
	const char *best = NULL;
	GElf_Sym b;
	GElf_Addr bv = 0;
	memset(&b, 0, sizeof b);
	for (int i = 0; i < k; i++) {
		GElf_Sym s;
		GElf_Addr v;
		const char *name = dwfl_module_getsym_info(mod, ndx[i], &s, &v, NULL, NULL, NULL);
		if (!name)
			return NULL;
		int rb = binding_rank(&b), rs = binding_rank(&s);
		if (!best || bv < v || rb < rs ||
		    (bv == v && ((b.st_size > s.st_size && rb <= rs) || (b.st_size >= s.st_size && rb < rs)))) {
			best = name;
			b = s;
			bv = v;
		}
	}
	*off = addr - bv;
	*out = b;
	return best;
}

/* The indexed answer; *known 0 when the index leaves this address to libdw. */
static const char *indexed(const struct module_index *x, uintptr_t addr, GElf_Off *off, GElf_Sym *sym, int *known)
{
	int ndx[MAX_CONTAINING];
	*known = 0;
	int k = containing(&x->global, addr, ndx);
	if (k == 0 && x->first_global <= 1) {
		/* No symbol contains addr and there are no local ones to search (a stripped library's
		 * dynamic symbols): libdw's answer is a label at or below addr and at or above the end of
		 * every symbol below it, or none.  With no label there it is none, known without a scan
		 * (an unnamed frame in a stripped library, a static lock: the commonest look-up there). */
		if (has_label_in(x, reach_below(&x->global, addr), addr))
			return NULL;
		*off = addr;
		*known = 1;
		return NULL;
	}
	if (k == 0) {
		if (has_label_at(x, addr))
			return NULL;
		k = containing(&x->local, addr, ndx);
	}
	if (k <= 0)
		return NULL;
	const char *name = choose(x->mod, ndx, k, addr, off, sym);
	*known = name != NULL;
	return name;
}

static struct module_index *index_of(Dwfl_Module *mod)
{
	struct module_index *x;
	HASH_FIND_PTR(indexes, &mod, x);
	if (x)
		return x;
	x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->mod = mod;
	HASH_ADD_PTR(indexes, mod, x);
	return x;
}

const char *symtab_addrinfo(Dwfl_Module *mod, uintptr_t addr, GElf_Off *off, GElf_Sym *sym)
{
	struct module_index *x = SYMTAB_INDEX ? index_of(mod) : NULL;
	if (x && x->state == 0 && ++x->lookups >= INDEX_AFTER_LOOKUPS)
		x->state = build(x) == 0 ? 1 : -1;
	if (x && x->state == 1) {
		int known;
		const char *name = indexed(x, addr, off, sym, &known);
		if (known && (check_fd < 0 || check(mod, addr, name, *off, sym)))
			return name;
	}
	return dwfl_module_addrinfo(mod, addr, off, sym, NULL, NULL, NULL);
}

/* The session ends: its built indexes are kept for the next one (adopt), those of the session before
 * that, never taken over, go. */
void symtab_forget(void)
{
	while (retired) {
		struct module_index *r = retired;
		retired = r->next;
		index_free(r);
		free(r);
	}
	struct module_index *x, *tmp;
	HASH_ITER(hh, indexes, x, tmp) {
		HASH_DEL(indexes, x);
		if (x->state == 1) {
			x->mod = NULL;
			x->next = retired;
			retired = x;
		} else {
			index_free(x);
			free(x);
		}
	}
}
