/* wrap_glib (wrap_glib.c): GLib's GMutex and GCond waits, and where GLib's own lock functions are. */
#ifndef COFFMAN_WRAP_GLIB_H
#define COFFMAN_WRAP_GLIB_H

#include <stdint.h>

/* GLib's real GMutex and GCond functions, looked up now when GLib is loaded already. */
void glib_init(void);

/* Which of GLib's GRecMutex and GRWLock functions a return address lies in.  Each of them wraps a
 * pthread lock made by one static function of GLib's, so the site of every such lock's init is that
 * one function: g_rec_mutex_init and g_rw_lock_init make it for their caller (GLIB_CALL_INIT), and
 * the other functions make it on the first use of a zero-filled (static) one (GLIB_CALL_ON_USE).
 * GLIB_CALL_NONE too while GLib's functions have not been looked up (no GMutex call and GLib not
 * loaded at start-up): this never looks itself, so an init in a program without GLib costs a load. */
enum glib_lock_call { GLIB_CALL_NONE, GLIB_CALL_INIT, GLIB_CALL_ON_USE };
enum glib_lock_call glib_lock_call_at(uintptr_t pc);

#endif
