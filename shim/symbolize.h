/* symbolize: addresses to names a person recognises, with elfutils libdw.
 *
 * Code addresses become "function file:line" (DWARF line tables; the function from the symbol table,
 * demangled when libstdc++ is present), with the object's name; data addresses become the global or
 * static variable that contains them ("accounts_lock", "bank+8").  Without debug info it falls back to
 * the symbol table (the function, or the exported symbol, that contains the address), then to dladdr.
 * Every frame in a known object also carries where it is in that object: the offset that
 * `addr2line -e OBJECT OFFSET` or debuginfod resolves later, once the debug info is at hand (a
 * -dbgsym package, a build with -g); reports show it whenever they cannot show file:line, so no
 * frame is ever reduced to "??".  The libdw session is created at the first report and refreshed when
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
	int line;               /* 0 if unknown (DWARF's line 0, compiler-made code, is unknown too) */
	char object[256];       /* basename of the ELF object */
	char object_path[256];  /* its path as mapped; empty if unknown or longer than this */
	uintptr_t pc;
	int inlined;            /* this frame was inlined into the next one */
	/* The looked-up address (for a return address: the call, pc - 1) relative to the object's load
	 * bias, i.e. the address in the ELF file's own terms that addr2line -e takes; has_offset when
	 * the object is known. */
	uintptr_t offset;
	int has_offset;
	/* The looked-up address minus the start of func's symbol; has_func_offset when func came from a
	 * symbol table (not from DWARF's inlined-call tree, where an offset would mean nothing). */
	uintptr_t func_offset;
	int has_func_offset;
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
/* The object whose mapping holds data address addr (its static data: a lock no symbol names, in a
 * stripped library) and addr's offset in it, as addr2line and a disassembler count; 0 if in none (the
 * heap, a stack, an anonymous mapping).  From the loader's tables: no libdw needed. */
int symbolize_data_object(uintptr_t addr, char *object, size_t len, uintptr_t *offset);
/* The same as "object+0xoffset" (how reports and the profile name such a lock); 0 if in no object. */
int symbolize_data_place(uintptr_t addr, char *buf, size_t len);

/* dlclose unloaded an object: refresh the module list before the next lookup (another object may now
 * be mapped at its addresses).  Cheap; safe to call from any wrapper. */
void symbolize_objects_unloaded(void);
/* dlclose unloaded the object at path (load bias bias) whose code was [lo, hi): an address there that no
 * loaded object covers any more (a stack recorded while it was mapped, symbolized later: the profile at
 * exit, a report) is then shown as that object and the offset in it, for addr2line, not as "??".  The
 * newest 1,024 objects are kept, in coffman's own memory.  Call with the re-entry guard set. */
void symbolize_note_unloaded(uintptr_t lo, uintptr_t hi, uintptr_t bias, const char *path);

void symbolize_after_fork_child(void);
void symbolize_lock_for_fork(void);
void symbolize_unlock_after_fork(void);

#endif
