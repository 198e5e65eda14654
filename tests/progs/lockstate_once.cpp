// std::call_once whose callable throws: the call is "exceptional", the flag stays unset, and a later
// call runs the callable again (C++11 [thread.once.callonce]).  The exception unwinds out of
// pthread_once, past the checker's wrapper, whose release of the once control never runs.
// main: the first call throws; main then takes table_lock (no edge from the once control: it is not
// held any more); a worker holding table_lock calls call_once again and it succeeds.  Natively: no
// hang, "attempts=2".  coffman used to call the retry a double-lock ("pthread_once re-entered") and end
// the program, and would have joined the once control and table_lock in a false cycle.
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

static std::once_flag init_flag;
static std::mutex table_lock;
static int attempts;

static void init_table()
{
	if (attempts++ == 0)
		throw std::runtime_error("first attempt fails");
}

int main()
{
	try {
		std::call_once(init_flag, init_table); // once: first attempt throws
	} catch (const std::exception &e) {
		std::printf("lockstate_once: caught '%s'\n", e.what());
	}
	{
		std::lock_guard<std::mutex> g(table_lock); // main: table_lock after the exception
	}
	std::thread worker([] {
		std::lock_guard<std::mutex> g(table_lock);
		std::call_once(init_flag, init_table); // once: retry while holding table_lock
	});
	worker.join();
	std::printf("lockstate_once: attempts=%d\n", attempts);
	return 0;
}
