/* Two static GRWLocks, each first taken (GLib makes its pthread rwlock then) from its own function,
 * built without debug info: no frame with a source file is on the stack at their first use
 * (tests/api_glib.sh, the graph-file section).  rw_a is held while middle_lock is taken, middle_lock
 * while rw_b is: one order a -> middle -> b, no cycle between locks. */
#include <glib.h>
#include <stdio.h>

static GRWLock rw_a, rw_b;
static GMutex middle_lock;

G_GNUC_NO_INLINE static void a_then_middle(void)
{
	g_rw_lock_writer_lock(&rw_a);
	g_mutex_lock(&middle_lock);
	g_mutex_unlock(&middle_lock);
	g_rw_lock_writer_unlock(&rw_a);
}

G_GNUC_NO_INLINE static void middle_then_b(void)
{
	g_mutex_lock(&middle_lock);
	g_rw_lock_writer_lock(&rw_b);
	g_rw_lock_writer_unlock(&rw_b);
	g_mutex_unlock(&middle_lock);
}

int main(void)
{
	a_then_middle();
	middle_then_b();
	printf("glib_rwfirst: done\n");
	return 0;
}
