#include "symbolize.h"
#include "ilock.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <fcntl.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ilock sym_lock = ILOCK_INIT;
static Dwfl *session;
static char *debuginfo_path;

/* Separate debug info from this machine only.  dwfl_standard_find_debuginfo ends, when nothing is
 * found locally, with a debuginfod download if DEBUGINFOD_URLS is set (distributions set it in login
 * shells): a report would wait on the network — seconds, up to DEBUGINFOD_TIMEOUT (90 s) per server —
 * with an HTTP client running inside the program.  Looked for instead: by build ID under the debug
 * directories, then by .gnu_debuglink beside the file, in its .debug/ and under /usr/lib/debug. */
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
static Dwfl *session_refresh(void)
{
	if (!session) {
		session = dwfl_begin(&callbacks);
		if (!session)
			return NULL;
	}
	dwfl_report_begin(session);
	if (dwfl_linux_proc_report(session, getpid()) != 0) {
		dwfl_report_end(session, NULL, NULL);
		return session;
	}
	dwfl_report_end(session, NULL, NULL);
	return session;
}

static Dwfl_Module *module_for(uintptr_t addr)
{
	if (!session && !session_refresh())
		return NULL;
	Dwfl_Module *mod = dwfl_addrmodule(session, addr);
	if (!mod && session_refresh())
		mod = dwfl_addrmodule(session, addr);
	return mod;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void basename_of(char *dst, size_t cap, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	copy_str(dst, cap, slash ? slash + 1 : path);
}

/* C++ names read better demangled; use libstdc++'s demangler only if the program already has it. */
static void demangle_into(char *dst, size_t cap, const char *name)
{
	typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);
	static demangle_fn fn;
	static int looked;
	if (!looked) {
		*(void **)&fn = dlsym(RTLD_DEFAULT, "__cxa_demangle");
		looked = 1;
	}
	if (fn && name && name[0] == '_' && name[1] == 'Z') {
		int status = -1;
		char *d = fn(name, NULL, NULL, &status);
		if (d && status == 0) {
			copy_str(dst, cap, d);
			free(d);
			return;
		}
		free(d);
	}
	copy_str(dst, cap, name);
}

static void fallback_dladdr(uintptr_t addr, struct frame_info *out)
{
	Dl_info info;
	if (dladdr((void *)addr, &info)) {
		if (info.dli_sname)
			demangle_into(out->func, sizeof out->func, info.dli_sname);
		basename_of(out->object, sizeof out->object, info.dli_fname);
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
		fallback_dladdr(addr, out);
		return;
	}
	const char *modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	basename_of(out->object, sizeof out->object, modname);
	GElf_Sym sym;
	GElf_Off off;
	const char *name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
	if (name)
		demangle_into(out->func, sizeof out->func, name);
	else
		fallback_dladdr(addr, out);
	line_of(mod, addr, out);
}

void symbolize_code(uintptr_t pc, int is_return_address, struct frame_info *out)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	ilock_acquire(&sym_lock);
	symbolize_unlocked(addr, pc, out);
	ilock_release(&sym_lock);
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

int symbolize_code_inlined(uintptr_t pc, int is_return_address, struct frame_info *out, int max)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	if (max <= 0)
		return 0;
	ilock_acquire(&sym_lock);
	symbolize_unlocked(addr, pc, &out[0]);
	Dwfl_Module *mod = session ? dwfl_addrmodule(session, addr) : NULL;
	int n = 0;
	if (mod && max > 1) {
		struct frame_info outer = out[0];
		n = inlined_frames(mod, addr, out, max);
		if (n > 0) {
			/* The outermost frame is the real (non-inlined) function. */
			copy_str(out[n].func, sizeof out[n].func, outer.func);
			/* out[0]'s file:line from the line table was overwritten by the copy; restore it. */
			copy_str(out[0].file, sizeof out[0].file, outer.file);
			out[0].line = outer.line;
		}
	}
	ilock_release(&sym_lock);
	return n + 1;
}

int symbolize_function_name(uintptr_t pc, int is_return_address, char *name, size_t len)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	ilock_acquire(&sym_lock);
	Dwfl_Module *mod = module_for(addr);
	const char *s = mod ? dwfl_module_addrname(mod, addr) : NULL;
	if (s)
		copy_str(name, len, s);
	ilock_release(&sym_lock);
	return s != NULL;
}

int symbolize_data(uintptr_t addr, char *name, size_t len)
{
	int found = 0;
	ilock_acquire(&sym_lock);
	Dwfl_Module *mod = module_for(addr);
	if (mod) {
		GElf_Sym sym;
		GElf_Off off = 0;
		const char *s = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
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
	ilock_release(&sym_lock);
	return found;
}

void symbolize_lock_for_fork(void) { ilock_acquire(&sym_lock); }
void symbolize_unlock_after_fork(void) { ilock_release(&sym_lock); }

void symbolize_after_fork_child(void)
{
	ilock_reset(&sym_lock);
	/* The parent's session describes the same mappings; keep it. */
}
