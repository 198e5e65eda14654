// A C++ library whose function takes a lock for its C caller (api_report_dlopen.c): its frame in a
// report has a mangled name, which the report shows demangled.
#include <pthread.h>

namespace shop {
__attribute__((noinline)) void take_and_release(pthread_mutex_t *m)
{
	pthread_mutex_lock(m); // cxx: take
	pthread_mutex_unlock(m);
}
} // namespace shop

extern "C" void cxx_take_and_release(pthread_mutex_t *m)
{
	shop::take_and_release(m);
}
