// misuse_cxx_reuse: C++ objects with a std::shared_mutex (pthread_rwlock, destroyed by its destructor
// but built from PTHREAD_RWLOCK_INITIALIZER, no init call), a std::condition_variable (destroyed, built
// from the static initialiser) and a std::mutex, created and deleted in rounds so that new objects
// land in the memory of destroyed ones.  Correct code: no use-after-destroy, no reinit-live.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>

struct entry {
	std::shared_mutex table;
	std::mutex m;
	std::condition_variable changed;
	int value = 0;
};

int main()
{
	std::set<const void *> seen;
	int reused = 0;
	for (int round = 0; round < 200; round++) {
		entry *e = new entry;
		if (!seen.insert(&e->table).second)
			reused++;
		{
			std::unique_lock<std::shared_mutex> w(e->table);
			e->value++;
		}
		{
			// last, a read hold: glibc's rwlock is then all zero bytes again, like a new one
			std::shared_lock<std::shared_mutex> r(e->table);
		}
		std::thread waiter([e] {
			std::unique_lock<std::mutex> l(e->m);
			e->changed.wait_for(l, std::chrono::milliseconds(50), [e] { return e->value > 1; });
		});
		{
			std::lock_guard<std::mutex> l(e->m);
			e->value++;
		}
		e->changed.notify_all();
		waiter.join();
		delete e;
	}
	std::printf("misuse_cxx_reuse: memory reused: %s\n", reused > 0 ? "yes" : "no");
	std::printf("misuse_cxx_reuse: done\n");
	return 0;
}
