/* A plugin that walks the stack with the system libunwind itself, many times, while its caller holds a
 * lock: under coffman it must run as natively (coffman's own libunwind is a private copy). */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

int plugin_walk(int rounds)
{
	int total = 0;
	for (int i = 0; i < rounds; i++) {
		void *pcs[32];
		total += unw_backtrace(pcs, 32) > 0;
		unw_context_t uc;
		unw_cursor_t c;
		unw_getcontext(&uc);
		unw_init_local(&c, &uc);
		while (unw_step(&c) > 0)
			;
	}
	return total;
}
