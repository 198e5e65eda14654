/* Unit test of shim/elf_symbols.c against the dynamic loader as the oracle: what it reads from the
 * loaded objects' tables in memory (without the loader's lock) must be what dladdr and dlsym answer.
 * - every 16th byte of the code of every loaded object (this program, the vDSO, libc, libm, the
 *   loader): the same object, load bias, symbol address and name (or none) as dladdr1;
 * - lookups by name in libc's object (plain, versioned with a hidden old version, data): dlsym's
 *   address, and for the range the size dladdr1 gives that symbol; a name libc does not define:
 *   none. */
#include "elf_symbols.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); failures++; } } while (0)

struct text { uintptr_t lo, hi; };

static int find_text(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct text *t = data;
	if (!elf_object_holds(info, t->lo))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			t->lo = info->dlpi_addr + ph->p_vaddr;
			t->hi = t->lo + ph->p_memsz;
		}
	}
	return 1;
}

static unsigned compare_code(const char *what, void *inside)
{
	struct text t = { (uintptr_t)inside, 0 };
	dl_iterate_phdr(find_text, &t);
	CHECK(t.hi > t.lo, "%s: no code segment found", what);
	unsigned n = 0, named = 0;
	for (uintptr_t a = t.lo; a < t.hi; a += 16, n++) {
		Dl_info dl;
		struct link_map *map = NULL;
		struct elf_addr_info mine;
		int d = dladdr1((void *)a, &dl, (void **)&map, RTLD_DL_LINKMAP);
		int m = elf_addr_lookup(a, &mine);
		CHECK(d && m, "%s %#lx: dladdr %d, elf_addr_lookup %d", what, (unsigned long)a, d, m);
		if (!d || !m)
			continue;
		/* dladdr names the main program by argv[0]; the loader's list by "" */
		CHECK(strcmp(dl.dli_fname, mine.path) == 0 || (!mine.path[0] && map && map->l_name[0] == '\0'),
		      "%s %#lx: object %s, not %s", what, (unsigned long)a, dl.dli_fname, mine.path);
		CHECK(map && map->l_addr == mine.base, "%s %#lx: bias", what, (unsigned long)a);
		CHECK((dl.dli_sname != NULL) == (mine.sym != NULL), "%s %#lx: symbol %s, not %s", what,
		      (unsigned long)a, dl.dli_sname ? dl.dli_sname : "none", mine.sym ? mine.sym : "none");
		if (dl.dli_sname && mine.sym) {
			named++;
			CHECK((uintptr_t)dl.dli_saddr == mine.sym_addr, "%s %#lx: %s at %p, not %#lx", what,
			      (unsigned long)a, dl.dli_sname, dl.dli_saddr, (unsigned long)mine.sym_addr);
			CHECK(strcmp(dl.dli_sname, mine.sym) == 0, "%s %#lx: %s, not %s", what, (unsigned long)a,
			      dl.dli_sname, mine.sym);
		}
		if (failures > 20)
			break;
	}
	printf("%s: %u addresses compared, %u named\n", what, n, named);
	return named;
}

/* Every loaded object with code, by the address of its first executable segment. */
#define MAX_OBJECTS 64
struct objects {
	uintptr_t code[MAX_OBJECTS];
	char name[MAX_OBJECTS][64];
	int n;
};

static int list_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct objects *o = data;
	for (int i = 0; i < info->dlpi_phnum && o->n < MAX_OBJECTS; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && ph->p_memsz) {
			o->code[o->n] = info->dlpi_addr + ph->p_vaddr;
			const char *slash = strrchr(info->dlpi_name, '/');
			snprintf(o->name[o->n], sizeof o->name[0], "%s",
				 info->dlpi_name[0] ? (slash ? slash + 1 : info->dlpi_name) : "(main program)");
			o->n++;
			break;
		}
	}
	return 0;
}

/* By name, in libc's object (the one defining gnu_get_libc_version). */
struct by_name {
	const char *name;
	void *found;
	int ranged;
	uintptr_t lo, hi;
};

static int in_libc(const struct elf_object *object, elf_lookup_fn lookup, void *arg)
{
	struct by_name *b = arg;
	if (!lookup(object, "gnu_get_libc_version"))
		return 0;
	b->found = lookup(object, b->name);
	b->ranged = elf_symbol_range(object, b->name, &b->lo, &b->hi);
	return 1;
}

static void compare_name(void *libc, const char *name)
{
	struct by_name b = { name, NULL, 0, 0, 0 };
	CHECK(elf_each_object(in_libc, &b) == 1, "libc not found by its own symbol");
	void *want = dlsym(libc, name);
	CHECK(want != NULL && b.found == want, "%s: %p, dlsym says %p", name, b.found, want);
	Dl_info dl;
	const ElfW(Sym) *sym = NULL;
	if (want && dladdr1(want, &dl, (void **)&sym, RTLD_DL_SYMENT) && sym)
		CHECK(b.ranged && b.lo == (uintptr_t)want && b.hi - b.lo == sym->st_size,
		      "%s: range %#lx..%#lx, dladdr1 says %p and %lu bytes", name, (unsigned long)b.lo,
		      (unsigned long)b.hi, want, (unsigned long)sym->st_size);
	else
		CHECK(0, "%s: dladdr1 has no symbol entry", name);
}

/* elf_imports_from: this program imports dladdr1 from libc, and nothing imports fork. */
static int is_dladdr1(const char *name)
{
	return strcmp(name, "dladdr1") == 0;
}

static int is_fork(const char *name)
{
	return strcmp(name, "fork") == 0;
}

int main(void);

static void check_imports(void *libc)
{
	uintptr_t in_libc = (uintptr_t)dlsym(libc, "printf");
	CHECK(elf_imports_from(in_libc, is_dladdr1) == 1, "dladdr1 is not found imported from libc");
	CHECK(elf_imports_from(in_libc, is_fork) == 0, "fork is found imported from libc");
	/* libc's own undefined symbols are not imports from itself, nor the program's definitions. */
	CHECK(elf_imports_from((uintptr_t)&main, is_fork) == 0, "fork is found imported from the program");
}

int main(void)
{
	CHECK(dlopen("libm.so.6", RTLD_NOW) != NULL, "libm.so.6 cannot be loaded");
	struct objects all = { .n = 0 };
	dl_iterate_phdr(list_object, &all);
	CHECK(all.n >= 4, "only %d objects with code", all.n);
	for (int i = 0; i < all.n; i++) {
		unsigned named = compare_code(all.name[i], (void *)all.code[i]);
		if (strncmp(all.name[i], "libc.so", 7) == 0 || strncmp(all.name[i], "libm.so", 7) == 0)
			CHECK(named > 1000, "%s: too few addresses named (%u)", all.name[i], named);
	}
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	CHECK(libc != NULL, "libc.so.6 not loaded");
	if (libc) {
		compare_name(libc, "printf");
		compare_name(libc, "pthread_mutex_lock");
		compare_name(libc, "pthread_cond_wait");    /* GLIBC_2.3.2, beside a hidden GLIBC_2.2.5 */
		compare_name(libc, "dl_iterate_phdr");
		compare_name(libc, "environ");              /* data */
		struct by_name none = { "no_such_symbol_in_libc", (void *)1, 0, 0, 0 };
		elf_each_object(in_libc, &none);
		CHECK(none.found == NULL && !none.ranged, "a name libc does not define was found");
		check_imports(libc);
	}
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	else
		printf("elf_symbols: all checks passed\n");
	return failures != 0;
}
