/* Two plugins from one source, built by tests/lockstate_dlclose.sh as shared objects: libplugin_a.so
 * (default) and libplugin_b.so (-DPLUGIN_B).  Each has two global mutexes at the same offsets; A takes
 * them in one order, B in the other.  Loaded one after the other at the same address, they are four
 * different locks: no inversion.  With `genuine`, A first makes a report (a bad unlock) and B takes its
 * own pair both ways (b_forward, b_backward): a genuine inversion inside one library, which must still be
 * reported, with B's names although A was mapped at the same address when the checker last looked. */
#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t plugin_lock_x = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t plugin_lock_y = PTHREAD_MUTEX_INITIALIZER;
static int plugin_work_done;

uintptr_t plugin_lock_address(void);
int plugin_run(int genuine);

uintptr_t plugin_lock_address(void)
{
	return (uintptr_t)&plugin_lock_x;
}

#ifndef PLUGIN_B
static void a_x_then_y(void)
{
	pthread_mutex_lock(&plugin_lock_x); /* a: hold x */
	pthread_mutex_lock(&plugin_lock_y); /* a: edge x->y */
	plugin_work_done++;
	pthread_mutex_unlock(&plugin_lock_y);
	pthread_mutex_unlock(&plugin_lock_x);
}

/* A report while A is mapped: the checker's symbol tables learn A at this address. */
static void a_unlock_unlocked(void)
{
	pthread_mutex_unlock(&plugin_lock_y); /* a: unlock, not locked */
}

int plugin_run(int genuine)
{
	a_x_then_y();
	if (genuine)
		a_unlock_unlocked();
	return plugin_work_done;
}
#else
static void b_backward(void)
{
	pthread_mutex_lock(&plugin_lock_y); /* b: hold y */
	pthread_mutex_lock(&plugin_lock_x); /* b: edge y->x */
	plugin_work_done++;
	pthread_mutex_unlock(&plugin_lock_x);
	pthread_mutex_unlock(&plugin_lock_y);
}

static void b_forward(void)
{
	pthread_mutex_lock(&plugin_lock_x); /* b: hold x */
	pthread_mutex_lock(&plugin_lock_y); /* b: edge x->y */
	plugin_work_done++;
	pthread_mutex_unlock(&plugin_lock_y);
	pthread_mutex_unlock(&plugin_lock_x);
}

int plugin_run(int genuine)
{
	b_backward();
	if (genuine)
		b_forward();
	return plugin_work_done;
}
#endif
