/* elf_symbols: a symbol of an already loaded object, found in its dynamic symbol table in memory,
 * without the dynamic loader's lock (see elf_symbols.c for why). */
#ifndef COFFMAN_ELF_SYMBOLS_H
#define COFFMAN_ELF_SYMBOLS_H

#include <stddef.h>

/* Calls want(lookup, arg) for each loaded object of the program, in load order, until it returns
 * non-zero: lookup(object, name) then answers a defined symbol's address in that object, or NULL.
 * Returns what the last want returned (0 when none chose an object). */
struct elf_object;
typedef void *(*elf_lookup_fn)(const struct elf_object *object, const char *name);
typedef int (*elf_want_fn)(const struct elf_object *object, elf_lookup_fn lookup, void *arg);
int elf_each_object(elf_want_fn want, void *arg);

#endif
