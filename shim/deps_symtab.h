/* deps_symtab: which symbol of a module contains an address — dwfl_module_addrinfo's answer, found in
 * a sorted index of the module's symbol table instead of by libdw's scan of the whole table on every
 * call (deps_symtab.c says which answers the index gives and which it leaves to libdw).  In the
 * private namespace, under the host's symbolizer lock like the rest of deps_symbolize.c. */
#ifndef COFFMAN_DEPS_SYMTAB_H
#define COFFMAN_DEPS_SYMTAB_H

#include <elfutils/libdwfl.h>
#include <stdint.h>

/* dwfl_module_addrinfo(mod, addr, off, sym, NULL, NULL, NULL), the same name, offset and symbol. */
const char *symtab_addrinfo(Dwfl_Module *mod, uintptr_t addr, GElf_Off *off, GElf_Sym *sym);

/* The session that owned the modules ended: every index goes (their names point into its files). */
void symtab_forget(void);

/* COFFMAN_SYMTAB_CHECK=FILE (a developer's switch): every indexed answer is compared with libdw's own
 * search, each difference and a count per process are appended to FILE, and libdw's answer is used. */
void symtab_check_open(const char *path);
void symtab_check_summary(void);

#endif
