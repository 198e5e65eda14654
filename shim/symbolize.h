/* symbolize: addresses to names a person recognises, with elfutils libdw.
 *
 * Code addresses become "function file:line" (DWARF line tables; the function from the symbol table,
 * demangled when libstdc++ is present), with the object's name; data addresses become the global or
 * static variable that contains them ("accounts_lock", "bank+8").  Without debug info it falls back to
 * the symbol table, then to dladdr.  The libdw session is created at the first report and refreshed when
 * an address falls outside every known module (a library dlopen'ed later).  Serialised internally; call
 * only with the re-entry guard set (libdw allocates).
 */
#ifndef COFFMAN_SYMBOLIZE_H
#define COFFMAN_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

struct frame_info {
	char func[256];
	char file[512];         /* as recorded in DWARF; empty if unknown */
	int line;
	char object[256];       /* basename of the ELF object */
	uintptr_t pc;
	int inlined;            /* this frame was inlined into the next one */
};

/* Symbolize a code address.  is_return_address: look up pc-1 (the call instruction). */
void symbolize_code(uintptr_t pc, int is_return_address, struct frame_info *out);
/* Up to max frames for pc, innermost inlined frames first (issue: inlined calls show as frames). */
int symbolize_code_inlined(uintptr_t pc, int is_return_address, struct frame_info *out, int max);
/* The name of the function containing a code address, from the symbol table alone (no DWARF, so no
 * debug sections are read and decompressed); 0 if unknown.  For a cheap look before a full one. */
int symbolize_function_name(uintptr_t pc, int is_return_address, char *name, size_t len);
/* Name of the data symbol containing addr ("name" or "name+off"); 0 if none. */
int symbolize_data(uintptr_t addr, char *name, size_t len);

void symbolize_after_fork_child(void);
void symbolize_lock_for_fork(void);
void symbolize_unlock_after_fork(void);

#endif
