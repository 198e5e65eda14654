/* Compiled by tests/annotate_header.sh as C and as C++, by gcc and clang, with -Wall -Wextra -Werror
 * -pedantic, with and without COFFMAN_ANNOTATE_DISABLE: every macro of <coffman/annotate.h>, on the
 * kinds of pointer a program passes (a struct, a volatile word, a C++ object), in statement positions
 * where a macro that is not one statement would break (an unbraced if/else). */
#include <coffman/annotate.h>

#include <stdio.h>

struct my_lock {
	volatile int word;
};

static struct my_lock lock_object;
static volatile int lock_word;

static int take(struct my_lock *l, int try_only)
{
	if (try_only)
		COFFMAN_LOCK_ACQUIRED(l, COFFMAN_ANNOTATE_TRY);
	else
		COFFMAN_LOCK_ACQUIRED(l, 0);
	l->word = 1;
	return 1;
}

int main(void)
{
	COFFMAN_LOCK_CREATED(&lock_object, "header test lock", COFFMAN_ANNOTATE_RECURSIVE);
	COFFMAN_LOCK_CREATED(&lock_word, "a word", 0);
	COFFMAN_LOCK_ACQUIRING(&lock_object, 0);
	COFFMAN_LOCK_WAIT_BEGIN(&lock_object);
	COFFMAN_LOCK_WAIT_END(&lock_object);
	take(&lock_object, 0);
	take(&lock_object, 1);
	COFFMAN_LOCK_ACQUIRING(&lock_word, COFFMAN_ANNOTATE_SHARED);
	COFFMAN_LOCK_ACQUIRED(&lock_word, COFFMAN_ANNOTATE_SHARED);
	COFFMAN_LOCK_RELEASING(&lock_word, COFFMAN_ANNOTATE_SHARED);
	COFFMAN_LOCK_RELEASING(&lock_object, 0);
	COFFMAN_LOCK_RELEASING(&lock_object, 0);
	COFFMAN_LOCK_DESTROYED(&lock_object);
	COFFMAN_LOCK_DESTROYED(&lock_word);
	puts("annotate_header: done");
	return 0;
}
