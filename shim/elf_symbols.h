/* elf_symbols: a symbol of an already loaded object, found in its dynamic symbol table in memory,
 * without the dynamic loader's lock (see elf_symbols.c for why). */
#ifndef COFFMAN_ELF_SYMBOLS_H
#define COFFMAN_ELF_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/* Calls want(lookup, arg) for each loaded object of the program, in load order, until it returns
 * non-zero: lookup(object, name) then answers a defined symbol's address in that object, or NULL.
 * Returns what the last want returned (0 when none chose an object). */
struct elf_object;
typedef void *(*elf_lookup_fn)(const struct elf_object *object, const char *name);
typedef int (*elf_want_fn)(const struct elf_object *object, elf_lookup_fn lookup, void *arg);
int elf_each_object(elf_want_fn want, void *arg);
/* Within want: the code [lo, hi) of a defined symbol of object, as lookup finds it, when the symbol
 * has a size; 0 otherwise. */
int elf_symbol_range(const struct elf_object *object, const char *name, uintptr_t *lo, uintptr_t *hi);

/* Whether a loaded object other than the one holding self imports (has as an undefined dynamic
 * symbol) a name that self's object defines and counts(name) accepts: 1 or 0, -1 if self's object
 * has no dynamic symbol table to read.  Allocates nothing, takes only the object list's lock. */
int elf_imports_from(uintptr_t self, int (*counts)(const char *name));

/* The loaded object containing addr, as dladdr answers but without the loader's lock (dladdr takes
 * it: a report written while another thread's dlopen runs a constructor that waits for a lock the
 * reporting thread holds would hang both).  Through dl_iterate_phdr, so in libcoffman-deps.so's
 * namespace it sees that namespace's objects and the program's (deps_ns.c). */
struct elf_addr_info {
	const char *path;       /* the loader's name of the object: "" for the main program */
	uintptr_t base;         /* its load bias: addr - base is the address in the file */
	const char *sym;        /* the defined dynamic symbol containing addr, or NULL */
	uintptr_t sym_addr;
};
int elf_addr_lookup(uintptr_t addr, struct elf_addr_info *out);

/* Whether a loaded object (a dl_iterate_phdr entry) maps addr in one of its PT_LOAD segments. */
struct dl_phdr_info;
int elf_object_holds(const struct dl_phdr_info *info, uintptr_t addr);

/* The line of /proc/self/maps whose mapping holds addr, into out: 1; 0 when no mapping holds it (or
 * its line does not fit); -1 when the file cannot be read.  Read in chunks with plain read(), up to
 * that line (the file is sorted by address). */
int elf_maps_line(uintptr_t addr, char *out, size_t cap);
/* The path of the file mapped at addr, from that line, into path: 0, or -1 (no file there, no /proc).
 * Absolute, and through no symbolic link: the kernel's name, whatever name it was loaded by (the
 * launcher may preload through a link in a private directory that is gone by now). */
int elf_mapped_file(uintptr_t addr, char *path, size_t cap);

/* The main program's path (/proc/self/exe) into buf; "" when it cannot be read.  The first answer is
 * kept, so that a process which called this at load (init.c, deps_ns.c) still knows the path once a
 * sandbox has taken /proc from it, as do its forked children.  Signal-safe. */
void elf_main_program_path(char *buf, size_t len);
/* Keep path as the main program's, unless one is kept already (a namespace loaded after start takes
 * the host's reading). */
void elf_main_program_path_keep(const char *path);

#endif
