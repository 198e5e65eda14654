/* memprobe: whether memory the program may have taken away is still there to read. */
#ifndef COFFMAN_MEMPROBE_H
#define COFFMAN_MEMPROBE_H

#include <stddef.h>

/* 1 if the len bytes at p (len <= a page) can be read without a fault.  For the slow paths that read
 * a lock the program is not operating on at that moment — a thread's or the process's remaining holds
 * at exit — whose memory the program may have unmapped while it was locked.  A system call each time;
 * never on a fast path. */
int mem_readable(const void *p, size_t len);

#endif
