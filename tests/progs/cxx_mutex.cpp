// C++ standard mutexes: std::lock_guard and std::scoped_lock taking two std::mutex in inconsistent
// order in two threads (run one after the other), and a std::recursive_mutex re-locked.
// Usage: cxx_mutex inversion|recursive
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
