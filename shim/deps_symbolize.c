/* The symbolizer, inside libcoffman-deps.so (see deps_api.h): addresses to function, file:line and
 * variable names with elfutils libdw.  Runs in the private namespace, so libdw's allocations and
 * locks are the private libc's.  Not thread-safe: the host serialises every call (symbolize.c). */
#include "deps_api.h"
#include "deps_ns.h"
#include "deps_symtab.h"
#include "elf_symbols.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <stddef.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Dwfl *session;
static char *debuginfo_path;

/* Separate debug info from this machine only.  dwfl_standard_find_debuginfo ends, when nothing is
 * found locally, with a debuginfod download if DEBUGINFOD_URLS is set (distributions set it in login
 * shells): a report would wait on the network — seconds, up to DEBUGINFOD_TIMEOUT (90 s) per server —
 * with an HTTP client running inside the program.  (deps_ns.c also refuses to load libdebuginfod.)
 * Looked for instead: by build ID under the debug directories, then by .gnu_debuglink beside the
 * file, in its .debug/ and under /usr/lib/debug. */
static int open_debug_file(const char *path, const char *file_name, char **debuginfo_file_name)
{
	if (strcmp(path, file_name) == 0)
		return -1;      /* a debuglink naming the file itself */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		*debuginfo_file_name = strdup(path);
	return fd;
}

static int find_debuginfo_locally(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
				  const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
				  char **debuginfo_file_name)
{
	int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					      debuglink_crc, debuginfo_file_name);
	if (fd >= 0 || !file_name || file_name[0] != '/' || !debuglink_file || strchr(debuglink_file, '/'))
		return fd;
	int dirlen = (int)(strrchr(file_name, '/') - file_name);
	char path[4096];
	snprintf(path, sizeof path, "%.*s/%s", dirlen, file_name, debuglink_file);
	if ((fd = open_debug_file(path, file_name, debuginfo_file_name)) >= 0)
		return fd;
	snprintf(path, sizeof path, "%.*s/.debug/%s", dirlen, file_name, debuglink_file);
	if ((fd = open_debug_file(path, file_name, debuginfo_file_name)) >= 0)
		return fd;
	snprintf(path, sizeof path, "/usr/lib/debug%.*s/%s", dirlen, file_name, debuglink_file);
	return open_debug_file(path, file_name, debuginfo_file_name);
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = find_debuginfo_locally,
	.debuginfo_path = &debuginfo_path,
};

/* (Re)build the module list from /proc/self/maps: the first report, or after a dlopen. */
/* The host's loaded objects, as the dynamic loader knows them: name and load bias. */
struct loaded_object {
	char *path;
	GElf_Addr bias;
};

struct loaded_list {
	struct loaded_object *items;
	size_t n, cap;
};

/* The file of a loaded object, or NULL (the vDSO has none).  A plugin dlopened by a relative name
 * ("./libplug.so") is named so by the loader: that name depends on the working directory, which the
 * program may have changed since, and a .gnu_debuglink file is looked for beside an absolute one
 * only.  So it is replaced by the file the kernel has mapped there. */
static const char *object_file(const struct dl_phdr_info *info, char *buf, size_t cap)
{
	const char *name = info->dlpi_name;
	if (!name || !name[0]) {                /* the executable */
		elf_main_program_path(buf, cap);
		return buf[0] ? buf : NULL;
	}
	if (!strchr(name, '/'))
		return NULL;
	if (name[0] == '/')
		return name;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD)
			return elf_mapped_file(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr, buf, cap) == 0 ? buf : name;
	return name;
}

static int collect_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct loaded_list *list = data;
	char exe[4096];
	const char *name = object_file(info, exe, sizeof exe);
	if (!name)
		return 0;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct loaded_object *p = realloc(list->items, cap * sizeof *p);
		if (!p)
			return 1;
		list->items = p;
		list->cap = cap;
	}
	list->items[list->n].path = strdup(name);
	list->items[list->n].bias = info->dlpi_addr;
	if (list->items[list->n].path)
		list->n++;
	return 0;
}

/* elfutils (0.188) finds the symbol that contains an address by a linear search of the module's whole
 * symbol table, on every call (dwfl_module_addrinfo, dwfl_module_addrname).  A report looks each of its
 * frames up several times (the name test of report_frames.c, then the full symbolization, once per
 * writer and for the suppressions) and the reports of one program share most of their frames: in
 * LibreOffice, whose libmergedlo.so exports 43,000 symbols, the 13 reports soffice.bin makes at exit
 * took 4 s, most of a document conversion's time under coffman.  So each answer is kept, by module and
 * address: direct-mapped, a miss only costs the search it would have cost anyway; and a miss in a big
 * table is a binary search of its sorted index, not the scan (deps_symtab.c).  The module pointers
 * and names belong to the session, so session_refresh empties the cache and drops the indexes. */
#define ADDRSYM_CACHE_BITS 10
static struct addrsym_entry {
	Dwfl_Module *mod;       /* NULL: an empty slot */
	uintptr_t addr;
	const char *name;       /* NULL: no symbol contains addr (also worth keeping: the dearest search) */
	GElf_Off off;
	GElf_Sym sym;
} addrsym_cache[1u << ADDRSYM_CACHE_BITS];

static const char *addrinfo_cached(Dwfl_Module *mod, uintptr_t addr, GElf_Off *off, GElf_Sym *sym)
{
	uint64_t slot = ((uint64_t)addr * 0x9e3779b97f4a7c15ull) >> (64 - ADDRSYM_CACHE_BITS);
	struct addrsym_entry *e = &addrsym_cache[slot];
	if (e->mod != mod || e->addr != addr) {
		memset(e, 0, sizeof *e);
		e->name = symtab_addrinfo(mod, addr, &e->off, &e->sym);
		e->mod = mod;
		e->addr = addr;
	}
	*off = e->off;
	*sym = e->sym;
	return e->name;
}

/* (Re)build the module list: the first report, after a dlopen (an address in no known module), after
 * a dlclose.  From the loader's own list of objects, not from /proc/self/maps: the maps also show the
 * files libdw itself has mapped to read them, which it would take for part of the module (a wrong
 * bias, wrong offsets); and reading them costs a descriptor. */
static Dwfl *session_refresh(void)
{
	/* A new session each time: libdw (0.188) can lose its address lookup when the same modules are
	 * reported again into a live session (dwfl_addrmodule then misses the executable). */
	symtab_forget();
	if (session)
		dwfl_end(session);
	memset(addrsym_cache, 0, sizeof addrsym_cache);
	session = dwfl_begin(&callbacks);
	if (!session)
		return NULL;
	struct loaded_list list = { NULL, 0, 0 };
	if (deps_host.iterate_host_phdr)
		deps_host.iterate_host_phdr(collect_loaded, &list);
	dwfl_report_begin(session);
	for (size_t i = 0; i < list.n; i++) {
		dwfl_report_elf(session, list.items[i].path, list.items[i].path, -1, list.items[i].bias, false);
		free(list.items[i].path);
	}
	free(list.items);
	dwfl_report_end(session, NULL, NULL);
	return session;
}

/* Sessions that hold only the objects asked for (the unwinder's, deps_unwind_rules.c): reporting
 * every loaded object costs ~0.7 ms at a program's first capture, one object a fraction of it. */
Dwfl *deps_dwfl_begin(void)
{
	return dwfl_begin(&callbacks);
}

struct object_at {
	uintptr_t addr;
	Dwfl *session;
	Dwfl_Module *mod;
};

static int report_object_at(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct object_at *o = data;
	if (!elf_object_holds(info, o->addr))
		return 0;
	char exe[4096];
	const char *name = object_file(info, exe, sizeof exe);
	if (name) {
		dwfl_report_begin_add(o->session);
		o->mod = dwfl_report_elf(o->session, name, name, -1, info->dlpi_addr, false);
		dwfl_report_end(o->session, NULL, NULL);
	}
	return 1;
}

Dwfl_Module *deps_dwfl_report_object_at(Dwfl *session, uintptr_t addr)
{
	struct object_at o = { addr, session, NULL };
	/* This namespace's dl_iterate_phdr (deps_ns.c): its own objects, then the host's. */
	dl_iterate_phdr(report_object_at, &o);
	return o.mod;
}

static int modules_unloaded;

void deps_symbolize_objects_unloaded(void)
{
	modules_unloaded = 1;
}

/* The host loader's counts of objects ever loaded and unloaded (its first object's dl_phdr_info). */
static int loader_counts(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *counts = arg;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		counts[0] = info->dlpi_adds;
		counts[1] = info->dlpi_subs;
	}
	return 1;
}

/* An address outside every module is either in an object loaded since the last refresh, or in no
 * module at all (the heap, a stack, a large .bss past the object's file mapping).  Re-reading the
 * loader's list helps only in the first case: refresh when the loader's counts have moved, so looking
 * up many such addresses (the graph file's static locks) does not rebuild the session each time. */
static int objects_changed_since_refresh(void)
{
	static unsigned long long seen[2] = { ~0ull, ~0ull };
	unsigned long long now[2] = { 0, 0 };
	if (!deps_host.iterate_host_phdr)
		return 1;
	deps_host.iterate_host_phdr(loader_counts, now);
	if (now[0] == seen[0] && now[1] == seen[1])
		return 0;
	seen[0] = now[0];
	seen[1] = now[1];
	return 1;
}

static Dwfl_Module *module_for(uintptr_t addr)
{
	if (modules_unloaded && session) {
		modules_unloaded = 0;
		session_refresh();
	}
	if (!session && !session_refresh())
		return NULL;
	Dwfl_Module *mod = dwfl_addrmodule(session, addr);
	if (!mod && objects_changed_since_refresh() && session_refresh())
		mod = dwfl_addrmodule(session, addr);
	return mod;
}

/* A copy cut to fit (names longer than a frame's fields are cut, not refused). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	if (!cap)
		return;
	size_t n = src ? strnlen(src, cap - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void basename_of(char *dst, size_t cap, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	copy_str(dst, cap, slash ? slash + 1 : path);
}

/* C++ names read better demangled: libiberty's demangler, linked into this library (the one libstdc++'s
 * __cxa_demangle is made of, with the same options).  Not libstdc++ itself, loaded here at the first
 * mangled name as before: a dlopen takes the loader's lock, and reports are written inside the
 * program's lock calls, where a thread inside dlopen may hold that lock while its constructor waits
 * for a lock the reporting thread holds.  Loading it at start-up instead cost C++ programs ~2 ms. */
static void demangle_into(char *dst, size_t cap, const char *name)
{
	if (name && name[0] == '_' && name[1] == 'Z') {
		char *d = cplus_demangle_v3(name, DMGL_PARAMS | DMGL_TYPES);
		if (d) {
			copy_str(dst, cap, d);
			free(d);
			return;
		}
	}
	copy_str(dst, cap, name);
}

/* The object's path, kept only whole: a cut path would send addr2line to the wrong file. */
static void object_path_of(struct frame_info *out, const char *path)
{
	if (path && path[0] == '/' && strlen(path) < sizeof out->object_path)
		copy_str(out->object_path, sizeof out->object_path, path);
}

/* The loaded objects' own view, for what libdw could not say: the object holding addr (one libdw does not
 * know: a deleted or unreadable file), its exported symbol containing addr, and the load bias, which
 * turns the address into the object's own (what addr2line takes).  Read from memory (elf_symbols.c),
 * not asked of dladdr: that takes the loader's lock, which a thread inside dlopen holds while a
 * constructor runs, perhaps waiting for a lock the reporting thread holds. */
static void fallback_loaded(uintptr_t addr, struct frame_info *out)
{
	struct elf_addr_info info;
	if (!elf_addr_lookup(addr, &info))
		return;
	if (info.sym && !out->func[0]) {
		demangle_into(out->func, sizeof out->func, info.sym);
		out->func_offset = addr - info.sym_addr;
		out->has_func_offset = 1;
	}
	if (!out->object[0]) {
		char exe[4096];
		const char *path = info.path[0] ? info.path : (elf_main_program_path(exe, sizeof exe), exe);
		basename_of(out->object, sizeof out->object, path);
		object_path_of(out, path);
	}
	if (!out->has_offset) {
		out->offset = addr - info.base;
		out->has_offset = 1;
	}
}

/* The compile unit covering addr.  libdw finds it through .debug_aranges, which clang does not emit
 * and which this libdw does not synthesise: then scan the module's units for one that has the pc. */
static Dwarf_Die *cu_for(Dwfl_Module *mod, uintptr_t addr, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);
	if (cu)
		return cu;
	for (cu = dwfl_module_nextcu(mod, NULL, bias); cu; cu = dwfl_module_nextcu(mod, cu, bias))
		if (dwarf_haspc(cu, addr - *bias) > 0)
			return cu;
	return NULL;
}

static void line_of(Dwfl_Module *mod, uintptr_t addr, struct frame_info *out)
{
	int lineno = 0;
	const char *file = NULL;
	Dwfl_Line *line = dwfl_module_getsrc(mod, addr);
	if (line) {
		file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
	} else {
		Dwarf_Addr bias;
		Dwarf_Die *cu = cu_for(mod, addr, &bias);
		Dwarf_Line *l = cu ? dwarf_getsrc_die(cu, addr - bias) : NULL;
		if (l) {
			file = dwarf_linesrc(l, NULL, NULL);
			dwarf_lineno(l, &lineno);
		}
	}
	if (file) {
		copy_str(out->file, sizeof out->file, file);
		out->line = lineno;
	}
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	return name;
}

static const char *call_file_of(Dwarf_Die *inlined, Dwarf_Die *cu)
{
	Dwarf_Attribute attr;
	Dwarf_Word index;
	Dwarf_Files *files;
	size_t nfiles;
	if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &index) != 0)
		return NULL;
	if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || index >= nfiles)
		return NULL;
	return dwarf_filesrc(files, index, NULL, NULL);
}

static int call_line_of(Dwarf_Die *inlined)
{
	Dwarf_Attribute attr;
	Dwarf_Word line = 0;
	dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line);
	return (int)line;
}

static void symbolize_unlocked(uintptr_t addr, uintptr_t pc, struct frame_info *out)
{
	memset(out, 0, sizeof *out);
	out->pc = pc;
	Dwfl_Module *mod = module_for(addr);
	if (!mod) {
		fallback_loaded(addr, out);
		return;
	}
	const char *modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	basename_of(out->object, sizeof out->object, modname);
	object_path_of(out, modname);
	Dwarf_Addr bias;
	if (dwfl_module_getelf(mod, &bias)) {
		out->offset = addr - bias;
		out->has_offset = 1;
	}
	GElf_Sym sym;
	GElf_Off off;
	/* The symbol table's function containing addr (.symtab, or .dynsym's exported symbols when the
	 * object is stripped). */
	const char *name = addrinfo_cached(mod, addr, &off, &sym);
	if (name) {
		demangle_into(out->func, sizeof out->func, name);
		out->func_offset = off;
		out->has_func_offset = 1;
	}
	if (!name || !out->has_offset)
		fallback_loaded(addr, out);
	line_of(mod, addr, out);
}

void deps_symbolize_code(uintptr_t addr, uintptr_t pc, struct frame_info *out)
{
	symbolize_unlocked(addr, pc, out);
}

/* Walk the DWARF scopes at addr: each inlined subroutine is a frame of its own, whose call site
 * (DW_AT_call_file/line) is the location shown for the frame that encloses it. */
static int inlined_frames(Dwfl_Module *mod, uintptr_t addr, struct frame_info *out, int max)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = cu_for(mod, addr, &bias);
	if (!cu)
		return 0;
	Dwarf_Die *lexical = NULL;
	int nlexical = dwarf_getscopes(cu, addr - bias, &lexical);
	/* Past the innermost inlined instance, dwarf_getscopes follows the abstract origin; the chain of
	 * concrete enclosing instances (the real call chain) comes from dwarf_getscopes_die on it. */
	int first = 0;
	while (first < nlexical && dwarf_tag(&lexical[first]) != DW_TAG_inlined_subroutine)
		first++;
	if (first == nlexical) {
		free(lexical);
		return 0;
	}
	Dwarf_Die *scopes = NULL;
	int nscopes = dwarf_getscopes_die(&lexical[first], &scopes);
	free(lexical);
	int n = 0;
	for (int i = 0; i < nscopes && n + 1 < max; i++) {
		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		/* out[n] is the inlined callee; its caller gets the call site and is completed below. */
		const char *callee = die_name(&scopes[i]);
		if (callee)
			demangle_into(out[n].func, sizeof out[n].func, callee);
		out[n].inlined = 1;
		out[n].has_func_offset = 0;
		out[n + 1] = out[n];
		out[n + 1].inlined = 0;
		out[n + 1].func[0] = '\0';
		copy_str(out[n + 1].file, sizeof out[n + 1].file, call_file_of(&scopes[i], cu));
		out[n + 1].line = call_line_of(&scopes[i]);
		n++;
	}
	free(scopes);
	return n;
}

int deps_symbolize_code_inlined(uintptr_t addr, uintptr_t pc, struct frame_info *out, int max)
{
	if (max <= 0)
		return 0;
	symbolize_unlocked(addr, pc, &out[0]);
	Dwfl_Module *mod = session ? dwfl_addrmodule(session, addr) : NULL;
	int n = 0;
	if (mod && max > 1) {
		struct frame_info outer = out[0];
		n = inlined_frames(mod, addr, out, max);
		if (n > 0) {
			/* The outermost frame is the real (non-inlined) function. */
			copy_str(out[n].func, sizeof out[n].func, outer.func);
			out[n].func_offset = outer.func_offset;
			out[n].has_func_offset = outer.has_func_offset;
			/* out[0]'s file:line from the line table was overwritten by the copy; restore it. */
			copy_str(out[0].file, sizeof out[0].file, outer.file);
			out[0].line = outer.line;
		}
	}
	return n + 1;
}

int deps_symbolize_function_name(uintptr_t addr, char *name, size_t len)
{
	Dwfl_Module *mod = module_for(addr);
	GElf_Sym sym;
	GElf_Off off;
	/* dwfl_module_addrname's answer: the same search (addrsym), the same name */
	const char *s = mod ? addrinfo_cached(mod, addr, &off, &sym) : NULL;
	if (s)
		copy_str(name, len, s);
	return s != NULL;
}

int deps_symbolize_data(uintptr_t addr, char *name, size_t len)
{
	int found = 0;
	Dwfl_Module *mod = module_for(addr);
	if (mod) {
		GElf_Sym sym;
		GElf_Off off = 0;
		const char *s = addrinfo_cached(mod, addr, &off, &sym);
		if (s && GELF_ST_TYPE(sym.st_info) == STT_OBJECT) {
			char dm[200];
			demangle_into(dm, sizeof dm, s);
			if (off)
				snprintf(name, len, "%s+%lu", dm, (unsigned long)off);
			else
				snprintf(name, len, "%s", dm);
			found = 1;
		}
	}
	return found;
}
