// C++ standard mutexes: std::lock_guard and std::scoped_lock taking two std::mutex in inconsistent
// order in two threads (run one after the other), and a std::recursive_mutex re-locked.
// Usage: cxx_mutex inversion|recursive|scoped_pair
//   scoped_pair: two threads at once, 200,000 times each, take stock and audit together with one
//   std::scoped_lock, in opposite orders, and the ledger's own mutex inside.  std::lock (which the
//   two-mutex scoped_lock uses) takes the first and trylocks the second, backing off on failure:
//   no deadlock, no lock-order inversion; past their warm-up the threads take the trylock's fast path.
// The Ledger members the test names are noinline, so they stay frames of their own at any -O level.
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace shop {

std::mutex stock_mutex;
std::mutex audit_mutex;
std::recursive_mutex ledger_mutex;

struct Ledger {
	int entries = 0;

	__attribute__((noinline)) void post_then_audit()
	{
		std::lock_guard<std::mutex> stock(stock_mutex); // post: hold stock
		std::lock_guard<std::mutex> audit(audit_mutex); // post: edge stock->audit
		entries++;
	}

	__attribute__((noinline)) void audit_then_post()
	{
		std::scoped_lock audit(audit_mutex); // audit: hold audit
		std::scoped_lock stock(stock_mutex); // audit: edge audit->stock
		entries += 10;
	}

	std::mutex own_mutex;

	__attribute__((noinline)) void both(bool stock_first)
	{
		if (stock_first) {
			std::scoped_lock both(stock_mutex, audit_mutex);
			std::lock_guard<std::mutex> own(own_mutex);
			entries++;
		} else {
			std::scoped_lock both(audit_mutex, stock_mutex);
			std::lock_guard<std::mutex> own(own_mutex);
			entries++;
		}
	}

	void nested_post(int depth)
	{
		std::lock_guard<std::recursive_mutex> guard(ledger_mutex);
		entries++;
		if (depth > 0)
			nested_post(depth - 1);
	}
};

} // namespace shop

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "inversion";
	shop::Ledger ledger;
	if (std::strcmp(mode, "inversion") == 0) {
		std::thread first([&ledger] { ledger.post_then_audit(); });
		first.join();
		std::thread second([&ledger] { ledger.audit_then_post(); });
		second.join();
	} else if (std::strcmp(mode, "scoped_pair") == 0) {
		std::thread a([&ledger] { for (int i = 0; i < 200000; i++) ledger.both(true); });
		std::thread b([&ledger] { for (int i = 0; i < 200000; i++) ledger.both(false); });
		a.join();
		b.join();
	} else if (std::strcmp(mode, "recursive") == 0) {
		std::thread worker([&ledger] { ledger.nested_post(4); });
		worker.join();
		ledger.nested_post(2);
	} else {
		std::fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	std::printf("cxx_mutex %s: entries=%d\n", mode, ledger.entries);
	return 0;
}
