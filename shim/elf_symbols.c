/* elf_symbols: what dlsym and dladdr answer, read from the loaded objects' dynamic symbol tables
 * without the loader: a symbol by name (through the GNU hash table), the object and symbol holding an
 * address (by dladdr's rules), and the main program's path, kept from its first reading.
 *
 * Why not dlsym: dlsym and dlopen take the loader's lock, and a thread inside dlopen holds that lock
 * while the new objects' constructors run.  A wrapper that needs a real function it has not resolved
 * yet (GLib loaded by a plugin after start-up: wrap_glib.c) would then wait for the loader's lock
 * inside the program's g_mutex_* call, perhaps holding the program's locks, while a constructor in
 * the other thread waits for one of them: a deadlock coffman made.  dl_iterate_phdr takes only the
 * list's own lock, held while the list of objects changes (never while constructors run); the
 * stack capture already uses it from inside wrappers.  Reading the tables allocates nothing.
 *
 * By name, only what a GLib-like library needs: GNU hash tables (every object Debian builds has one;
 * without it the caller falls back to dlsym), default-version or unversioned symbols, no IFUNC.  The
 * same reasons apply to dladdr at report time (reports are written inside the program's lock calls):
 * tests/test_elf_symbols holds the answers to dladdr's and dlsym's. */
#include "elf_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct elf_object {
	uintptr_t base;
	const ElfW(Sym) *symtab;
	const char *strtab;
	const uint32_t *gnu_hash;
	const ElfW(Word) *sysv_hash;    /* DT_HASH: only its symbol count is used */
	const ElfW(Half) *versym;       /* NULL: no versions */
};

/* A dynamic entry's address: glibc relocates these in place on most architectures (not where the
 * dynamic section is read-only), so an address below the load base is still an offset. */
static uintptr_t dyn_address(uintptr_t base, ElfW(Addr) p)
{
	return p < base ? base + p : p;
}

static int object_tables(const struct dl_phdr_info *info, struct elf_object *o)
{
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	memset(o, 0, sizeof *o);
	o->base = info->dlpi_addr;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: o->symtab = (const ElfW(Sym) *)dyn_address(o->base, dyn->d_un.d_ptr); break;
		case DT_STRTAB: o->strtab = (const char *)dyn_address(o->base, dyn->d_un.d_ptr); break;
		case DT_GNU_HASH: o->gnu_hash = (const uint32_t *)dyn_address(o->base, dyn->d_un.d_ptr); break;
		case DT_VERSYM: o->versym = (const ElfW(Half) *)dyn_address(o->base, dyn->d_un.d_ptr); break;
		case DT_HASH: o->sysv_hash = (const ElfW(Word) *)dyn_address(o->base, dyn->d_un.d_ptr); break;
		default: break;
		}
	}
	return o->symtab && o->strtab && (o->gnu_hash || o->sysv_hash);
}

static uint32_t gnu_hash_of(const char *name)
{
	uint32_t h = 5381;
	for (const unsigned char *s = (const unsigned char *)name; *s; s++)
		h = h * 33 + *s;
	return h;
}

/* The symbol is this object's own definition, of the default version, and a plain address. */
static int usable(const struct elf_object *o, uint32_t idx)
{
	const ElfW(Sym) *s = &o->symtab[idx];
	int type = ELF64_ST_TYPE(s->st_info);
	if (s->st_shndx == SHN_UNDEF || s->st_value == 0 || (type != STT_FUNC && type != STT_OBJECT))
		return 0;
	return !(o->versym && (o->versym[idx] & 0x8000));   /* a hidden (non-default) version */
}

/* The index of name's usable definition in o's dynamic symbol table, or -1. */
static long object_symbol_index(const struct elf_object *o, const char *name)
{
	const uint32_t *h = o->gnu_hash;
	if (!h)
		return -1;
	uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2], bloom_shift = h[3];
	if (nbuckets == 0 || bloom_size == 0)
		return -1;
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)&h[4];
	const uint32_t *buckets = (const uint32_t *)&bloom[bloom_size];
	const uint32_t *chain = &buckets[nbuckets];
	const unsigned bits = sizeof(ElfW(Addr)) * 8;

	uint32_t hash = gnu_hash_of(name);
	ElfW(Addr) word = bloom[(hash / bits) % bloom_size];
	ElfW(Addr) mask = ((ElfW(Addr))1 << (hash % bits)) | ((ElfW(Addr))1 << ((hash >> bloom_shift) % bits));
	if ((word & mask) != mask)
		return -1;
	uint32_t idx = buckets[hash % nbuckets];
	if (idx < symoffset)
		return -1;
	for (;; idx++) {
		uint32_t ch = chain[idx - symoffset];
		if ((ch | 1) == (hash | 1) && strcmp(name, o->strtab + o->symtab[idx].st_name) == 0 && usable(o, idx))
			return idx;
		if (ch & 1)
			return -1;
	}
}

static void *object_symbol(const struct elf_object *o, const char *name)
{
	long idx = object_symbol_index(o, name);
	return idx < 0 ? NULL : (void *)(o->base + o->symtab[idx].st_value);
}

int elf_symbol_range(const struct elf_object *object, const char *name, uintptr_t *lo, uintptr_t *hi)
{
	long idx = object_symbol_index(object, name);
	if (idx < 0 || object->symtab[idx].st_size == 0)
		return 0;
	*lo = object->base + object->symtab[idx].st_value;
	*hi = *lo + object->symtab[idx].st_size;
	return 1;
}

struct each {
	elf_want_fn want;
	void *arg;
	int chose;
};

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct each *e = data;
	struct elf_object o;
	if (!object_tables(info, &o))
		return 0;
	e->chose = e->want(&o, object_symbol, e->arg);
	return e->chose;
}

int elf_each_object(elf_want_fn want, void *arg)
{
	struct each e = { want, arg, 0 };
	dl_iterate_phdr(visit, &e);
	return e.chose;
}

/* How many entries the dynamic symbol table has: DT_HASH says it; a GNU hash table only implies it
 * (the last chain of the highest bucket ends the table). */
static uint32_t symbol_count(const struct elf_object *o)
{
	if (o->sysv_hash)
		return o->sysv_hash[1];
	const uint32_t *h = o->gnu_hash;
	uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2];
	const uint32_t *buckets = (const uint32_t *)((const ElfW(Addr) *)&h[4] + bloom_size);
	const uint32_t *chain = &buckets[nbuckets];
	uint32_t last = 0;
	for (uint32_t b = 0; b < nbuckets; b++)
		if (buckets[b] > last)
			last = buckets[b];
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1))
		last++;
	return last + 1;
}

/* The symbol whose extent holds addr, by glibc's dladdr rules (elf/dl-addr.c), so that a frame is
 * named as dladdr named it: a global or weak symbol, not thread-local nor absolute, defined (or an
 * executable's PLT address for an imported function); a sizeless one matches only its own address;
 * the one starting closest below addr wins, the first of equals. */
static void covering_symbol(const struct elf_object *o, uintptr_t addr, struct elf_addr_info *out)
{
	uint32_t n = symbol_count(o);
	const ElfW(Sym) *match = NULL;
	for (uint32_t i = 1; i < n; i++) {
		const ElfW(Sym) *s = &o->symtab[i];
		if (ELF64_ST_BIND(s->st_info) == STB_LOCAL || ELF64_ST_TYPE(s->st_info) == STT_TLS ||
		    (s->st_shndx == SHN_UNDEF && s->st_value == 0) || s->st_shndx == SHN_ABS)
			continue;
		uintptr_t lo = o->base + s->st_value;
		if (addr < lo)
			continue;
		int sizeless = s->st_shndx == SHN_UNDEF || s->st_size == 0;
		if (sizeless ? addr != lo : addr - lo >= s->st_size)
			continue;
		if (!match || match->st_value < s->st_value)
			match = s;
	}
	if (match) {
		out->sym = o->strtab + match->st_name;
		out->sym_addr = o->base + match->st_value;
	}
}

/* elf_imports_from: the object that defines the names, and the test a name must pass. */
struct imports_search {
	uintptr_t self;
	struct elf_object own;
	int have_own;
	int (*counts)(const char *name);
};

static int find_own(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct imports_search *s = data;
	if (!elf_object_holds(info, s->self))
		return 0;
	s->have_own = object_tables(info, &s->own);
	return 1;
}

/* An undefined symbol of another object is what the loader binds to a definition elsewhere.  A GNU
 * hash table hashes only the symbols from its symoffset on, and an undefined one is never hashed: they
 * all come before it, so only those are read (libLLVM's 60,000 definitions are not). */
static int object_imports(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct imports_search *s = data;
	struct elf_object o;
	if (elf_object_holds(info, s->self) || !object_tables(info, &o))
		return 0;
	uint32_t n = o.gnu_hash ? o.gnu_hash[1] : symbol_count(&o);
	for (uint32_t i = 1; i < n; i++) {
		const ElfW(Sym) *sym = &o.symtab[i];
		if (sym->st_shndx != SHN_UNDEF || sym->st_name == 0 || ELF64_ST_BIND(sym->st_info) == STB_LOCAL)
			continue;
		const char *name = o.strtab + sym->st_name;
		if (object_symbol_index(&s->own, name) >= 0 && s->counts(name))
			return 1;
	}
	return 0;
}

int elf_imports_from(uintptr_t self, int (*counts)(const char *name))
{
	struct imports_search s = { .self = self, .have_own = 0, .counts = counts };
	if (dl_iterate_phdr(find_own, &s) != 1 || !s.have_own)
		return -1;
	return dl_iterate_phdr(object_imports, &s) == 1;
}

struct addr_search {
	uintptr_t addr;
	struct elf_addr_info *out;
};

int elf_object_holds(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && addr >= lo && addr - lo < ph->p_memsz)
			return 1;
	}
	return 0;
}

static int object_at(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct addr_search *a = data;
	if (!elf_object_holds(info, a->addr))
		return 0;
	a->out->path = info->dlpi_name ? info->dlpi_name : "";
	a->out->base = info->dlpi_addr;
	struct elf_object o;
	if (object_tables(info, &o))
		covering_symbol(&o, a->addr, a->out);
	return 1;
}

int elf_addr_lookup(uintptr_t addr, struct elf_addr_info *out)
{
	memset(out, 0, sizeof *out);
	struct addr_search a = { addr, out };
	return dl_iterate_phdr(object_at, &a) == 1;
}

int elf_maps_line(uintptr_t addr, char *out, size_t cap)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[8192];
	size_t have = 0;
	int found = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			char *p;
			uintptr_t lo = (uintptr_t)strtoull(line, &p, 16);
			uintptr_t hi = *p == '-' ? (uintptr_t)strtoull(p + 1, &p, 16) : 0;
			if (lo > addr)
				goto done;      /* sorted by address: past it, nothing maps addr */
			if (addr < hi) {
				found = snprintf(out, cap, "%s", line) < (int)cap;
				goto done;
			}
			line = nl + 1;
		}
		have = strlen(line);            /* a partial line: kept for the next read */
		memmove(buf, line, have);
		if (have == sizeof buf - 1)
			have = 0;               /* a line longer than the buffer: not one we could use */
	}
done:
	close(fd);
	return found;
}

int elf_mapped_file(uintptr_t addr, char *path, size_t cap)
{
	char line[PATH_MAX + 128];
	int name_at = 0;
	if (elf_maps_line(addr, line, sizeof line) != 1 ||
	    sscanf(line, "%*s %*s %*s %*s %*s %n", &name_at) != 0 || name_at <= 0 || line[name_at] != '/')
		return -1;
	return snprintf(path, cap, "%s", line + name_at) < (int)cap ? 0 : -1;
}

/* The path as first read, kept: a sandboxed process cannot read /proc/self/exe (Chromium's renderers,
 * forked from its zygote and then chrooted to an empty directory, get EPERM), but a process that
 * read it at load or before it forked knows it still (the executable does not change but by exec,
 * which starts afresh).  Written once, by whoever reads it first; a reader of a half-written copy
 * (a signal handler, another thread) sees known still 0 and asks the kernel itself. */
static char main_path[PATH_MAX];
static volatile sig_atomic_t main_path_known;

void elf_main_program_path(char *buf, size_t len)
{
	if (!len)
		return;
	if (main_path_known) {
		size_t n = strlen(main_path);
		if (n < len) {
			memcpy(buf, main_path, n + 1);
			return;
		}
	}
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 0)
		elf_main_program_path_keep(buf);
}

void elf_main_program_path_keep(const char *path)
{
	size_t n = path ? strlen(path) : 0;
	if (n > 0 && n < sizeof main_path && !main_path_known) {
		static atomic_flag writing = ATOMIC_FLAG_INIT;
		if (!atomic_flag_test_and_set(&writing)) {
			memcpy(main_path, path, n + 1);
			atomic_signal_fence(memory_order_seq_cst);
			main_path_known = 1;
		}
	}
}
