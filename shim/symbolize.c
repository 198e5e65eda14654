/* symbolize: the host side of symbolization (symbolize.h).  The work happens in libcoffman-deps.so's
 * private namespace (deps_symbolize.c); here calls are serialised — libdw's session is not
 * thread-safe — and, when that library is missing, dladdr gives at least the function and object. */
#include "symbolize.h"
#include "deps.h"
#include "ilock.h"

#include <dlfcn.h>
#include <link.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static struct ilock sym_lock = ILOCK_INIT;

/* An object was unloaded: what the session knows at its addresses may now be another object.  Passed on
 * to the symbolizer under sym_lock, before its next lookup. */
static atomic_int modules_unloaded;

void symbolize_objects_unloaded(void)
{
	atomic_store(&modules_unloaded, 1);
}

/* Under sym_lock. */
static const struct deps_api *symbolizer(void)
{
	const struct deps_api *api = deps_api;
	if (api && atomic_exchange(&modules_unloaded, 0))
		api->objects_unloaded();
	return api;
}

static void basename_into(char *dst, size_t cap, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	snprintf(dst, cap, "%s", slash ? slash + 1 : path ? path : "");
}

/* Without libdw: the exported symbol containing addr and the object with the address's offset in it
 * (addr minus the object's load bias), which is still enough for addr2line later. */
static void symbolize_by_dladdr(uintptr_t addr, uintptr_t pc, struct frame_info *out)
{
	Dl_info info;
	struct link_map *map = NULL;
	memset(out, 0, sizeof *out);
	out->pc = pc;
	if (dladdr1((void *)addr, &info, (void **)&map, RTLD_DL_LINKMAP)) {
		if (info.dli_sname) {
			snprintf(out->func, sizeof out->func, "%s", info.dli_sname);
			out->func_offset = addr - (uintptr_t)info.dli_saddr;
			out->has_func_offset = 1;
		}
		basename_into(out->object, sizeof out->object, info.dli_fname);
		if (info.dli_fname && info.dli_fname[0] == '/' && strlen(info.dli_fname) < sizeof out->object_path)
			snprintf(out->object_path, sizeof out->object_path, "%s", info.dli_fname);
		if (map) {
			out->offset = addr - (uintptr_t)map->l_addr;
			out->has_offset = 1;
		}
	}
}

void symbolize_code(uintptr_t pc, int is_return_address, struct frame_info *out)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	if (api)
		api->symbolize_code(addr, pc, out);
	else
		symbolize_by_dladdr(addr, pc, out);
	ilock_release(&sym_lock);
}

int symbolize_code_inlined(uintptr_t pc, int is_return_address, struct frame_info *out, int max)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	if (max <= 0)
		return 0;
	int n = 1;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	if (api)
		n = api->symbolize_code_inlined(addr, pc, out, max);
	else
		symbolize_by_dladdr(addr, pc, out);
	ilock_release(&sym_lock);
	return n;
}

int symbolize_function_name(uintptr_t pc, int is_return_address, char *name, size_t len)
{
	uintptr_t addr = is_return_address && pc ? pc - 1 : pc;
	int found = 0;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	if (api) {
		found = api->symbolize_function_name(addr, name, len);
	} else {
		Dl_info info;
		if (dladdr((void *)addr, &info) && info.dli_sname) {
			snprintf(name, len, "%s", info.dli_sname);
			found = 1;
		}
	}
	ilock_release(&sym_lock);
	return found;
}

int symbolize_data(uintptr_t addr, char *name, size_t len)
{
	int found = 0;
	ilock_acquire(&sym_lock);
	const struct deps_api *api = symbolizer();
	if (api)
		found = api->symbolize_data(addr, name, len);
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
