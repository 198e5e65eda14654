/* init: coffman's set-up at load, its hand-over at fork, and its end at exit (init.c). */
#ifndef COFFMAN_INIT_H
#define COFFMAN_INIT_H

/* The end of coffman's run for a process leaving through _exit/_Exit: the status to exit with. */
int coffman_at_quick_exit(int status);

#endif
