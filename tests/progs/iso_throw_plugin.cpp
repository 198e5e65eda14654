// A C++ plugin loaded by a C host: it throws and catches an exception.  Under coffman the throw must
// bind to libgcc_s's unwinder exactly as natively (never to a checker dependency's _Unwind_*).
#include <mutex>
#include <stdexcept>

static std::mutex plugin_mutex;

extern "C" int plugin_throw_and_catch(int rounds)
{
	int caught = 0;
	for (int i = 0; i < rounds; i++) {
		try {
			std::lock_guard<std::mutex> hold(plugin_mutex);
			throw std::runtime_error("plugin: thrown on purpose");
		} catch (const std::exception &) {
			caught++;
		}
	}
	return caught;
}
