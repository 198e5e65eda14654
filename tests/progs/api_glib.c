/* api_glib: GLib's GMutex (a futex word since GLib 2.54, not a pthread mutex) and GCond.
 *   inversion  two GThreads, one taking accounts_lock then audit_lock (a G_LOCK), the other the
 *              reverse, one after the other: never stuck, a lock-order inversion
 *   double     a GMutex locked twice by one thread: a self-deadlock, ended instead of hanging
 *   deadlock   two threads each holding one GMutex and waiting for the other's: a real deadlock
 *   condorder  a thread waits on a GCond with queue_lock while holding stats_lock; another takes
 *              queue_lock then stats_lock: the wait's re-take orders stats_lock before queue_lock
 *   contend    a GThread holds hot_lock for 100 ms while the main thread asks for it: one contended
 *              acquisition, for the contention profile
 *   frames N   N registries, each with its own GMutex, and one bus_lock (a G_LOCK): bus -> registry
 *              and registry -> bus, deep in g_slist_foreach callbacks (libglib's frames, stripped,
 *              between the program's): N instances of one cycle, reported N times with
 *              --all-instances, all with the same frames
 *   recclasses GRecMutexes, which GLib makes pthread mutexes of in one function of its own: two
 *              static ones (made on their first lock), each in one order with one plain GMutex, and
 *              two made by g_rec_mutex_init from two functions, likewise: no cycle between locks, and
 *              none between their classes (--classes=site); then static_rec (first used in
 *              recclasses) and made_rec (initialised by init_made) in both orders: one inversion
 *   clean      a GThreadPool of four workers counting under a GMutex, a GAsyncQueue producer and
 *              consumer, and a GCond hand-off with g_cond_wait_until: nothing to report
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GMutex accounts_lock;
G_LOCK_DEFINE_STATIC(audit);

static gpointer accounts_then_audit(gpointer arg)
{
	(void)arg;
	g_mutex_lock(&accounts_lock); /* hold accounts_lock */
	G_LOCK(audit); /* edge accounts->audit */
	G_UNLOCK(audit);
	g_mutex_unlock(&accounts_lock);
	return NULL;
}

static gpointer audit_then_accounts(gpointer arg)
{
	(void)arg;
	G_LOCK(audit); /* hold audit */
	g_mutex_lock(&accounts_lock); /* edge audit->accounts */
	g_mutex_unlock(&accounts_lock);
	G_UNLOCK(audit);
	return NULL;
}

static void inversion(void)
{
	g_mutex_init(&accounts_lock); /* accounts_lock created */
	GThread *a = g_thread_new("transfer", accounts_then_audit, NULL);
	g_thread_join(a);
	GThread *b = g_thread_new("auditor", audit_then_accounts, NULL);
	g_thread_join(b);
	g_mutex_clear(&accounts_lock);
	printf("api_glib: inversion done\n");
}

static void lock_twice(GMutex *m)
{
	g_mutex_lock(m); /* double: first */
	printf("api_glib: locking again\n");
	fflush(stdout);
	g_mutex_lock(m); /* double: second */
	printf("api_glib: not reached\n");
}

/* deadlock: both threads hold their first lock before either asks for its second */
static GMutex left_lock, right_lock;
static gint holding;

static void hold_then_take(GMutex *first, GMutex *second)
{
	g_mutex_lock(first);
	g_atomic_int_inc(&holding);
	while (g_atomic_int_get(&holding) < 2)
		g_usleep(1000);
	g_mutex_lock(second); /* deadlock: waits here */
	g_mutex_unlock(second);
	g_mutex_unlock(first);
}

static gpointer left_first(gpointer arg)
{
	(void)arg;
	hold_then_take(&left_lock, &right_lock);
	return NULL;
}

static gpointer right_first(gpointer arg)
{
	(void)arg;
	hold_then_take(&right_lock, &left_lock);
	return NULL;
}

/* condorder */
static GMutex queue_lock, stats_lock;
static GCond queue_cond;
static gboolean queued;

static gpointer wait_holding_stats(gpointer arg)
{
	(void)arg;
	g_mutex_lock(&stats_lock);
	g_mutex_lock(&queue_lock);
	while (!queued)
		g_cond_wait(&queue_cond, &queue_lock); /* condorder: re-takes queue_lock holding stats_lock */
	g_mutex_unlock(&queue_lock);
	g_mutex_unlock(&stats_lock);
	return NULL;
}

static void condorder(void)
{
	GThread *w = g_thread_new("waiter", wait_holding_stats, NULL);
	g_usleep(100000);
	g_mutex_lock(&queue_lock);
	queued = TRUE;
	g_cond_signal(&queue_cond);
	g_mutex_unlock(&queue_lock);
	g_thread_join(w);
	g_mutex_lock(&queue_lock); /* condorder: queue_lock first */
	g_mutex_lock(&stats_lock); /* condorder: then stats_lock */
	g_mutex_unlock(&stats_lock);
	g_mutex_unlock(&queue_lock);
	printf("api_glib: condorder done\n");
}

/* clean */
static GMutex count_lock;
static int counted;

static void count_job(gpointer data, gpointer user)
{
	(void)user;
	g_mutex_lock(&count_lock);
	counted += GPOINTER_TO_INT(data);
	g_mutex_unlock(&count_lock);
}

static gpointer consume(gpointer queue)
{
	long sum = 0;
	for (;;) {
		int v = GPOINTER_TO_INT(g_async_queue_pop(queue));
		if (v < 0)
			break;
		sum += v;
	}
	return GINT_TO_POINTER((int)sum);
}

static GMutex handoff_lock;
static GCond handoff_cond;
static int handoff_turn;

static gpointer ping(gpointer arg)
{
	int me = GPOINTER_TO_INT(arg);
	for (int i = 0; i < 200; i++) {
		g_mutex_lock(&handoff_lock);
		while (handoff_turn != me) {
			gint64 until = g_get_monotonic_time() + G_TIME_SPAN_SECOND;
			g_cond_wait_until(&handoff_cond, &handoff_lock, until);
		}
		handoff_turn = !me;
		g_cond_broadcast(&handoff_cond);
		g_mutex_unlock(&handoff_lock);
	}
	return NULL;
}

static void clean(void)
{
	GThreadPool *pool = g_thread_pool_new(count_job, NULL, 4, FALSE, NULL);
	for (int i = 1; i <= 1000; i++)
		g_thread_pool_push(pool, GINT_TO_POINTER(1), NULL);
	g_thread_pool_free(pool, FALSE, TRUE);

	GAsyncQueue *q = g_async_queue_new();
	GThread *c = g_thread_new("consumer", consume, q);
	for (int i = 1; i <= 1000; i++)
		g_async_queue_push(q, GINT_TO_POINTER(i));
	g_async_queue_push(q, GINT_TO_POINTER(-1));
	int sum = GPOINTER_TO_INT(g_thread_join(c));
	g_async_queue_unref(q);

	GThread *p0 = g_thread_new("ping", ping, GINT_TO_POINTER(0));
	GThread *p1 = g_thread_new("pong", ping, GINT_TO_POINTER(1));
	g_thread_join(p0);
	g_thread_join(p1);

	GMutex *heap = g_new0(GMutex, 1);
	g_mutex_init(heap);
	if (g_mutex_trylock(heap))
		g_mutex_unlock(heap);
	g_mutex_clear(heap);
	g_free(heap);
	printf("api_glib: clean counted=%d sum=%d handoffs=400\n", counted, sum);
}

/* contend */
static GMutex hot_lock;
static gint hot_held;

static gpointer hold_hot(gpointer arg)
{
	(void)arg;
	g_mutex_lock(&hot_lock);
	g_atomic_int_set(&hot_held, 1);
	g_usleep(100000);
	g_mutex_unlock(&hot_lock);
	return NULL;
}

static void contend(void)
{
	GThread *holder = g_thread_new("holder", hold_hot, NULL);
	while (!g_atomic_int_get(&hot_held))
		g_usleep(1000);
	g_mutex_lock(&hot_lock); /* contend: waits for the holder */
	g_mutex_unlock(&hot_lock);
	g_thread_join(holder);
	printf("api_glib: contend done\n");
}

/* frames */
G_LOCK_DEFINE_STATIC(bus);
#define FRAMES_DEPTH 12

struct registry {
	GMutex lock;
	int depth;
	int entries;
};

static void bus_then_registry(struct registry *r)
{
	G_LOCK(bus);
	g_mutex_lock(&r->lock); /* frames: bus -> registry */
	r->entries++;
	g_mutex_unlock(&r->lock);
	G_UNLOCK(bus);
}

static void registry_then_bus(struct registry *r)
{
	g_mutex_lock(&r->lock);
	G_LOCK(bus); /* frames: registry -> bus */
	r->entries++;
	G_UNLOCK(bus);
	g_mutex_unlock(&r->lock);
}

/* One more level of g_slist_foreach: each adds a frame of libglib's and one of the program's. */
static void descend(gpointer data, gpointer user)
{
	struct registry *r = data;
	void (*work)(struct registry *) = (void (*)(struct registry *))user;
	if (r->depth-- > 0) {
		GSList one = { r, NULL };
		g_slist_foreach(&one, descend, user);
	} else {
		work(r);
	}
}

static void frames(int n)
{
	struct registry *regs = g_new0(struct registry, n);
	for (int i = 0; i < n; i++) {
		g_mutex_init(&regs[i].lock);
		GSList one = { &regs[i], NULL };
		regs[i].depth = FRAMES_DEPTH;
		g_slist_foreach(&one, descend, (gpointer)bus_then_registry);
		regs[i].depth = FRAMES_DEPTH;
		g_slist_foreach(&one, descend, (gpointer)registry_then_bus);
	}
	int entries = 0;
	for (int i = 0; i < n; i++) {
		entries += regs[i].entries;
		g_mutex_clear(&regs[i].lock);
	}
	g_free(regs);
	printf("api_glib: frames entries=%d\n", entries);
}

/* recclasses */
static GRecMutex static_first, static_second, static_rec;
static GMutex middle_lock;

static void rec_then_middle(GRecMutex *rec)
{
	g_rec_mutex_lock(rec);
	g_mutex_lock(&middle_lock);
	g_mutex_unlock(&middle_lock);
	g_rec_mutex_unlock(rec);
}

static void middle_then_rec(GRecMutex *rec)
{
	g_mutex_lock(&middle_lock);
	g_rec_mutex_lock(rec);
	g_rec_mutex_unlock(rec);
	g_mutex_unlock(&middle_lock);
}

static void init_made(GRecMutex *rec)
{
	g_rec_mutex_init(rec); /* recclasses: made_rec initialised */
}

static void init_other(GRecMutex *rec)
{
	g_rec_mutex_init(rec);
}

static void recclasses(void)
{
	GRecMutex made_rec, other_rec;
	init_made(&made_rec);
	init_other(&other_rec);
	rec_then_middle(&static_first);
	middle_then_rec(&static_second);
	rec_then_middle(&made_rec);
	middle_then_rec(&other_rec);
	g_rec_mutex_lock(&static_rec); /* recclasses: static_rec first used */
	g_rec_mutex_lock(&made_rec);
	g_rec_mutex_unlock(&made_rec);
	g_rec_mutex_unlock(&static_rec);
	g_rec_mutex_lock(&made_rec);
	g_rec_mutex_lock(&static_rec); /* recclasses: static_rec after made_rec */
	g_rec_mutex_unlock(&static_rec);
	g_rec_mutex_unlock(&made_rec);
	g_rec_mutex_clear(&made_rec);
	g_rec_mutex_clear(&other_rec);
	printf("api_glib: recclasses done\n");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "clean";
	if (strcmp(mode, "inversion") == 0) {
		inversion();
	} else if (strcmp(mode, "double") == 0) {
		static GMutex twice;
		lock_twice(&twice);
	} else if (strcmp(mode, "deadlock") == 0) {
		GThread *a = g_thread_new("left", left_first, NULL);
		GThread *b = g_thread_new("right", right_first, NULL);
		g_thread_join(a);
		g_thread_join(b);
		printf("api_glib: not reached\n");
	} else if (strcmp(mode, "condorder") == 0) {
		condorder();
	} else if (strcmp(mode, "contend") == 0) {
		contend();
	} else if (strcmp(mode, "recclasses") == 0) {
		recclasses();
	} else if (strcmp(mode, "frames") == 0) {
		frames(argc > 2 ? atoi(argv[2]) : 1);
	} else {
		clean();
	}
	return 0;
}
