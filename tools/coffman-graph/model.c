/* Reading graph files into the merged model, and writing the model back (model.h). */
#include "model.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LOCAL_ID 50000000   /* ids in a file index its own tables: anything larger is corrupt */

static int grow(void **array, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return 0;
	int c = *cap ? 2 * *cap : 64;
	while (c < need)
		c *= 2;
	void *p = realloc(*array, (size_t)c * size);
	if (!p) {
		fprintf(stderr, "coffman-graph: out of memory\n");
		exit(1);
	}
	*array = p;
	*cap = c;
	return 0;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p) {
		fprintf(stderr, "coffman-graph: out of memory\n");
		exit(1);
	}
	return p;
}

void model_init(struct model *m)
{
	memset(m, 0, sizeof *m);
}

void model_free(struct model *m)
{
	HASH_CLEAR(hh, m->process_hash);
	for (int i = 0; i < m->nprocesses; i++) {
		json_decref(m->processes[i]->obj);
		free(m->processes[i]->ident);
		free(m->processes[i]);
	}
	HASH_CLEAR(hh, m->class_hash);
	for (int i = 0; i < m->nclasses; i++) {
		json_decref(m->classes[i]->obj);
		free(m->classes[i]->key);
		free(m->classes[i]);
	}
	HASH_CLEAR(hh, m->stack_hash);
	for (int i = 0; i < m->nstacks; i++) {
		json_decref(m->stacks[i]->frames);
		free(m->stacks[i]->text);
		free(m->stacks[i]);
	}
	HASH_CLEAR(hh, m->edge_hash);
	for (int i = 0; i < m->nedges; i++)
		free(m->edges[i]);
	HASH_CLEAR(hh, m->live_hash);
	for (int i = 0; i < m->nlives; i++) {
		free(m->lives[i]->sig);
		free(m->lives[i]->pairs);
		free(m->lives[i]);
	}
	free(m->processes);
	free(m->classes);
	free(m->stacks);
	free(m->edges);
	free(m->lives);
	memset(m, 0, sizeof *m);
}

const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ---------------------------------------------------------------- the tables */

static char *process_ident(const json_t *p)
{
	char buf[1024];
	const char *host = jstr(p, "host"), *started = jstr(p, "started");
	snprintf(buf, sizeof buf, "%s/%s/%lld/%s", host ? host : "?", started ? started : "?",
		 (long long)json_integer_value(json_object_get(p, "pid")), jstr(p, "program") ? jstr(p, "program") : "?");
	return xstrdup(buf);
}

/* A copy of a line's object without the members that only make sense inside its file. */
static json_t *without(const json_t *line, const char *a, const char *b)
{
	json_t *copy = json_deep_copy(line);
	json_object_del(copy, a);
	json_object_del(copy, b);
	return copy;
}

static int add_process(struct model *m, const json_t *line)
{
	char *ident = process_ident(line);
	struct g_process *p;
	HASH_FIND_STR(m->process_hash, ident, p);
	if (p) {
		free(ident);
		return p->index;
	}
	grow((void **)&m->processes, &m->processes_cap, m->nprocesses + 1, sizeof *m->processes);
	p = calloc(1, sizeof *p);
	p->obj = without(line, "type", "id");
	p->ident = ident;
	p->index = m->nprocesses;
	m->processes[m->nprocesses++] = p;
	HASH_ADD_KEYPTR(hh, m->process_hash, p->ident, strlen(p->ident), p);
	return p->index;
}

static int add_class(struct model *m, const json_t *line)
{
	const char *key = jstr(line, "key");
	struct g_class *c;
	HASH_FIND_STR(m->class_hash, key, c);
	if (c)
		return c->index;
	grow((void **)&m->classes, &m->classes_cap, m->nclasses + 1, sizeof *m->classes);
	c = calloc(1, sizeof *c);
	c->key = xstrdup(key);
	c->obj = without(line, "type", "id");
	c->index = m->nclasses;
	m->classes[m->nclasses++] = c;
	HASH_ADD_KEYPTR(hh, m->class_hash, c->key, strlen(c->key), c);
	return c->index;
}

static int add_stack(struct model *m, const char *text, size_t len)
{
	struct g_stack *s;
	HASH_FIND(hh, m->stack_hash, text, len, s);
	if (s)
		return s->index;
	grow((void **)&m->stacks, &m->stacks_cap, m->nstacks + 1, sizeof *m->stacks);
	s = calloc(1, sizeof *s);
	s->text = strndup(text, len);
	s->index = m->nstacks;
	m->stacks[m->nstacks++] = s;
	HASH_ADD_KEYPTR(hh, m->stack_hash, s->text, strlen(s->text), s);
	return s->index;
}

const json_t *model_stack_frames(const struct model *m, int stack)
{
	static json_t *none;
	if (!none)
		none = json_array();
	if (stack < 0 || stack >= m->nstacks)
		return none;
	struct g_stack *s = m->stacks[stack];
	if (!s->frames) {
		json_t *frames = json_loads(s->text, 0, NULL);
		s->frames = json_is_array(frames) ? frames : json_array();
		if (!json_is_array(frames))
			json_decref(frames);
	}
	return s->frames;
}

struct g_edge *model_edge(const struct model *m, int from, int to)
{
	uint64_t key = (uint64_t)(uint32_t)from << 32 | (uint32_t)to;
	struct g_edge *e;
	HASH_FIND(hh, m->edge_hash, &key, sizeof key, e);
	return e;
}

static int process_before(const struct model *m, int a, int b)
{
	return strcmp(m->processes[a]->ident, m->processes[b]->ident) < 0;
}

/* Keep the ORIGINS_KEPT origins whose processes sort first; one per process. */
static void add_origin(const struct model *m, struct g_origin *list, int *n, const struct g_origin *o)
{
	int at = 0;
	for (; at < *n; at++) {
		if (list[at].process == o->process)
			return;
		if (process_before(m, o->process, list[at].process))
			break;
	}
	if (at == ORIGINS_KEPT)
		return;
	int last = *n < ORIGINS_KEPT ? *n : ORIGINS_KEPT - 1;
	memmove(&list[at + 1], &list[at], (size_t)(last - at) * sizeof *list);
	list[at] = *o;
	if (*n < ORIGINS_KEPT)
		(*n)++;
}

static struct g_edge *edge_get(struct model *m, int from, int to)
{
	struct g_edge *e = model_edge(m, from, to);
	if (e)
		return e;
	grow((void **)&m->edges, &m->edges_cap, m->nedges + 1, sizeof *m->edges);
	e = calloc(1, sizeof *e);
	e->key = (uint64_t)(uint32_t)from << 32 | (uint32_t)to;
	e->from = from;
	e->to = to;
	m->edges[m->nedges++] = e;
	HASH_ADD(hh, m->edge_hash, key, sizeof e->key, e);
	return e;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A live cycle (pairs of class indices) under its signature, the sorted list of its edges' keys. */
static void add_live(struct model *m, const int *pairs, int n, const int *procs, int nprocs)
{
	char **parts = calloc((size_t)n, sizeof *parts);
	size_t total = 1;
	for (int i = 0; i < n; i++) {
		const char *a = m->classes[pairs[2 * i]]->key, *b = m->classes[pairs[2 * i + 1]]->key;
		parts[i] = malloc(strlen(a) + strlen(b) + 3);
		sprintf(parts[i], "%s\x01%s", a, b);
		total += strlen(parts[i]) + 1;
	}
	qsort(parts, (size_t)n, sizeof *parts, cmp_str);
	char *sig = malloc(total);
	sig[0] = '\0';
	for (int i = 0; i < n; i++) {
		strcat(sig, parts[i]);
		strcat(sig, "\x02");
		free(parts[i]);
	}
	free(parts);
	struct g_live *l;
	HASH_FIND_STR(m->live_hash, sig, l);
	if (!l) {
		grow((void **)&m->lives, &m->lives_cap, m->nlives + 1, sizeof *m->lives);
		l = calloc(1, sizeof *l);
		l->sig = sig;
		/* A cycle has no first edge: start at the one whose class key sorts first, so the same cycle
		 * from any file is written the same. */
		int first = 0;
		for (int i = 1; i < n; i++)
			if (strcmp(m->classes[pairs[2 * i]]->key, m->classes[pairs[2 * first]]->key) < 0)
				first = i;
		l->pairs = malloc((size_t)n * 2 * sizeof *l->pairs);
		for (int i = 0; i < n; i++) {
			l->pairs[2 * i] = pairs[2 * ((first + i) % n)];
			l->pairs[2 * i + 1] = pairs[2 * ((first + i) % n) + 1];
		}
		l->nedges = n;
		m->lives[m->nlives++] = l;
		HASH_ADD_KEYPTR(hh, m->live_hash, l->sig, strlen(l->sig), l);
	} else {
		free(sig);
	}
	for (int i = 0; i < nprocs; i++) {
		struct g_origin o = { .process = procs[i] };
		struct g_origin list[ORIGINS_KEPT];
		int k = l->nprocs;
		for (int j = 0; j < k; j++)
			list[j].process = l->procs[j];
		add_origin(m, list, &k, &o);
		for (int j = 0; j < k; j++)
			l->procs[j] = list[j].process;
		l->nprocs = k;
	}
}

/* ---------------------------------------------------------------- reading a file */

static char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, got = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (got + 1 >= cap) {
			char *p = realloc(buf, cap *= 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
		}
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (buf) {
		buf[got] = '\0';
		*len = got;
	}
	return buf;
}

struct slice {
	const char *text;               /* into the file's text; NULL: not declared */
	size_t len;
};

struct local {
	char *text;                     /* the file, alive until the model has copied what it keeps */
	json_t **lines;
	int nlines, cap;
	json_t **process, **klass;      /* declared ids -> their lines */
	struct slice *stack;            /* declared stack ids -> the text of their frames arrays */
	int nprocess, nklass, nstack;
	int pcap, ccap, scap;
};

static int declare(json_t ***table, int *n, int *cap, json_t *line)
{
	json_int_t id = json_integer_value(json_object_get(line, "id"));
	if (!json_is_integer(json_object_get(line, "id")) || id < 0 || id >= MAX_LOCAL_ID)
		return -1;
	if (id >= *n) {
		grow((void **)table, cap, (int)id + 1, sizeof **table);
		memset(*table + *n, 0, (size_t)(id + 1 - *n) * sizeof **table);
		*n = (int)id + 1;
	}
	if ((*table)[id])
		return -1;              /* declared twice */
	(*table)[id] = line;
	return 0;
}

static int ref_ok(json_t **table, int n, const json_t *v, int nullable)
{
	if (nullable && json_is_null(v))
		return 1;
	json_int_t id = json_integer_value(v);
	return json_is_integer(v) && id >= 0 && id < n && table[id];
}

static int stack_ok(const struct local *l, const json_t *v)
{
	json_int_t id = json_integer_value(v);
	return json_is_null(v) || (json_is_integer(v) && id >= 0 && id < l->nstack && l->stack[id].text);
}

/* The text is one JSON value's shape: brackets and braces balanced outside strings, strings closed,
 * no control characters.  Cheap (one pass), and enough that a stack kept as text and written back by
 * `merge` can never break the line it is written on; its frames are parsed when shown. */
static int balanced(const char *p, size_t n)
{
	int depth = 0, in_string = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20)
			return 0;
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if ((c == ']' || c == '}') && --depth < 0) {
			return 0;
		}
	}
	return depth == 0 && !in_string;
}

/* A stack line as this format writes it, {"type":"stack","id":N,"frames":[...]}, is taken apart
 * without parsing its frames (the bulk of a file): their text is kept, parsed when shown.  Any
 * other spelling of a stack line is parsed in full.  Returns 1 if taken, 0 if not that shape, -1 if
 * the id is bad or repeated. */
static int fast_stack(struct local *l, const char *p, size_t n)
{
	static const char head[] = "{\"type\":\"stack\",\"id\":", mid[] = ",\"frames\":";
	if (n < sizeof head + sizeof mid || memcmp(p, head, sizeof head - 1) != 0)
		return 0;
	const char *q = p + sizeof head - 1, *end = p + n;
	long long id = 0;
	int digits = 0;
	for (; q < end && *q >= '0' && *q <= '9' && digits < 10; q++, digits++)
		id = id * 10 + (*q - '0');
	if (!digits || end - q < (ptrdiff_t)sizeof mid || memcmp(q, mid, sizeof mid - 1) != 0)
		return 0;
	q += sizeof mid - 1;
	while (end > q && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	if (end - q < 3 || *q != '[' || end[-1] != '}' || end[-2] != ']' || !balanced(q, (size_t)(end - 1 - q)))
		return 0;
	if (id >= MAX_LOCAL_ID)
		return -1;
	if (id >= l->nstack) {
		grow((void **)&l->stack, &l->scap, (int)id + 1, sizeof *l->stack);
		memset(l->stack + l->nstack, 0, (size_t)(id + 1 - l->nstack) * sizeof *l->stack);
		l->nstack = (int)id + 1;
	}
	if (l->stack[id].text)
		return -1;
	l->stack[id].text = q;
	l->stack[id].len = (size_t)(end - 1 - q);
	return 1;
}

/* A stack line in another spelling: its frames re-serialised, kept with the file's text. */
static int slow_stack(struct local *l, json_t *line)
{
	json_t *frames = json_object_get(line, "frames");
	json_int_t id = json_integer_value(json_object_get(line, "id"));
	if (!json_is_array(frames) || !json_is_integer(json_object_get(line, "id")) || id < 0 || id >= MAX_LOCAL_ID)
		return -1;
	char *text = json_dumps(frames, JSON_COMPACT);
	if (!text)
		return -1;
	json_object_set_new(line, "frames_text", json_string(text));    /* owned by the line from now on */
	free(text);
	if (id >= l->nstack) {
		grow((void **)&l->stack, &l->scap, (int)id + 1, sizeof *l->stack);
		memset(l->stack + l->nstack, 0, (size_t)(id + 1 - l->nstack) * sizeof *l->stack);
		l->nstack = (int)id + 1;
	}
	if (l->stack[id].text)
		return -1;
	l->stack[id].text = jstr(line, "frames_text");
	l->stack[id].len = strlen(l->stack[id].text);
	return 0;
}

/* Every reference in an edge or live line names something the file declares. */
static const char *check_refs(const struct local *l, const json_t *line, const char *type)
{
	if (strcmp(type, "edge") == 0) {
		if (!ref_ok(l->klass, l->nklass, json_object_get(line, "from"), 0) ||
		    !ref_ok(l->klass, l->nklass, json_object_get(line, "to"), 0))
			return "an edge names a class the file does not have";
		const json_t *origins = json_object_get(line, "origins");
		size_t i;
		const json_t *o;
		if (!json_is_array(origins))
			return "an edge without origins";
		json_array_foreach(origins, i, o) {
			if (!ref_ok(l->process, l->nprocess, json_object_get(o, "process"), 0) ||
			    !stack_ok(l, json_object_get(o, "stack")) || !stack_ok(l, json_object_get(o, "held_stack")))
				return "an edge's origin names a process or stack the file does not have";
		}
	} else if (strcmp(type, "live") == 0) {
		const json_t *edges = json_object_get(line, "edges"), *procs = json_object_get(line, "processes");
		size_t i;
		const json_t *e;
		if (!json_is_array(edges) || !json_is_array(procs) || json_array_size(edges) < 2)
			return "a malformed live cycle";
		json_array_foreach(edges, i, e) {
			if (!json_is_array(e) || json_array_size(e) != 2 ||
			    !ref_ok(l->klass, l->nklass, json_array_get(e, 0), 0) ||
			    !ref_ok(l->klass, l->nklass, json_array_get(e, 1), 0))
				return "a live cycle names a class the file does not have";
		}
		json_array_foreach(procs, i, e) {
			if (!ref_ok(l->process, l->nprocess, e, 0))
				return "a live cycle names a process the file does not have";
		}
	}
	return NULL;
}

static void local_free(struct local *l)
{
	for (int i = 0; i < l->nlines; i++)
		json_decref(l->lines[i]);
	free(l->lines);
	free(l->text);
	free(l->process);
	free(l->klass);
	free(l->stack);
}

/* A class line, {"type":"class","id":N,"key":"...",...}, whose class the model has already: only its
 * id and key are read (a suite's files name the same classes again and again).  Returns a small
 * {"type":"class","id":N,"key":...} object standing for the line, or NULL to parse it in full. */
static json_t *known_class(const struct model *m, const char *p, size_t n)
{
	static const char head[] = "{\"type\":\"class\",\"id\":", mid[] = ",\"key\":\"";
	const char *q = p + sizeof head - 1, *end = p + n;
	long long id = 0;
	int digits = 0;
	if (n < sizeof head + sizeof mid || memcmp(p, head, sizeof head - 1) != 0)
		return NULL;
	for (; q < end && *q >= '0' && *q <= '9' && digits < 10; q++, digits++)
		id = id * 10 + (*q - '0');
	if (!digits || end - q < (ptrdiff_t)sizeof mid || memcmp(q, mid, sizeof mid - 1) != 0)
		return NULL;
	const char *open = q + sizeof mid - 2, *s = open + 1;
	while (s < end && *s != '"')
		s += *s == '\\' ? 2 : 1;
	if (s >= end)
		return NULL;
	json_t *key = json_loadb(open, (size_t)(s + 1 - open), JSON_DECODE_ANY, NULL);
	struct g_class *c = NULL;
	if (json_is_string(key))
		HASH_FIND_STR(m->class_hash, json_string_value(key), c);
	json_t *stand_in = c ? json_pack("{s:s,s:I,s:O}", "type", "class", "id", (json_int_t)id, "key", key) : NULL;
	json_decref(key);
	return stand_in;
}

/* Pass 1: parse and check the whole file (nothing enters the model from a bad file). */
static const char *parse_file(const struct model *m, const char *path, struct local *l, int *bad_line)
{
	size_t len;
	char *text = read_all(path, &len);
	int saw_end = 0;
	*bad_line = 0;
	if (!text)
		return strerror(errno);
	l->text = text;
	const char *why = NULL;
	int lineno = 0;
	for (char *p = text; p < text + len && !why;) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
		lineno++;
		*bad_line = lineno;
		if (lineno > 1 && !saw_end) {
			int fast = fast_stack(l, p, n);
			if (fast < 0) {
				why = "a stack line with a bad or repeated id";
				break;
			}
			if (fast) {
				p += n + 1;
				continue;
			}
		}
		json_error_t err;
		json_t *line = lineno > 1 && n ? known_class(m, p, n) : NULL;
		if (!line && n)
			line = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
		p += n + 1;
		if (!n)
			continue;
		const char *type = jstr(line, "type");
		if (!line || !json_is_object(line) || !type) {
			json_decref(line);
			why = "not a graph file line (a JSON object with a \"type\")";
			break;
		}
		grow((void **)&l->lines, &l->cap, l->nlines + 1, sizeof *l->lines);
		l->lines[l->nlines++] = line;
		if (saw_end) {
			why = "a line after the end line";
		} else if (lineno == 1) {
			json_t *v = json_object_get(line, "coffman_graph");
			if (strcmp(type, "header") != 0 || !json_is_integer(v))
				why = "not a coffman graph file (no header line)";
			else if (json_integer_value(v) > GRAPH_FORMAT_VERSION || json_integer_value(v) < 1)
				why = "a graph file of a newer format version than this coffman-graph reads";
		} else if (strcmp(type, "process") == 0) {
			if (declare(&l->process, &l->nprocess, &l->pcap, line) != 0)
				why = "a process line with a bad or repeated id";
		} else if (strcmp(type, "class") == 0) {
			if (!jstr(line, "key") || declare(&l->klass, &l->nklass, &l->ccap, line) != 0)
				why = "a class line with a bad or repeated id, or no key";
		} else if (strcmp(type, "stack") == 0) {
			if (slow_stack(l, line) != 0)
				why = "a stack line with a bad or repeated id";
		} else if (strcmp(type, "end") == 0) {
			saw_end = 1;
		}
	}
	if (!why && !saw_end) {
		*bad_line = 0;
		why = "no end line (an incomplete file)";
	}
	for (int i = 0; i < l->nlines && !why; i++) {
		*bad_line = i + 1;
		why = check_refs(l, l->lines[i], jstr(l->lines[i], "type"));
	}
	return why;
}

static uint64_t count_of(const json_t *obj, const char *key, uint64_t dflt)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : dflt;
}

static int map_id(const int *map, const json_t *v)
{
	return json_is_integer(v) ? map[json_integer_value(v)] : -1;
}

/* Pass 2: everything into the model. */
static void apply_file(struct model *m, const struct local *l)
{
	int *pmap = calloc((size_t)l->nprocess + 1, sizeof *pmap);
	int *cmap = calloc((size_t)l->nklass + 1, sizeof *cmap);
	int *smap = calloc((size_t)l->nstack + 1, sizeof *smap);
	for (int i = 0; i < l->nprocess; i++)
		pmap[i] = l->process[i] ? add_process(m, l->process[i]) : -1;
	for (int i = 0; i < l->nklass; i++)
		cmap[i] = l->klass[i] ? add_class(m, l->klass[i]) : -1;
	for (int i = 0; i < l->nstack; i++)
		smap[i] = l->stack[i].text ? add_stack(m, l->stack[i].text, l->stack[i].len) : -1;
	for (int i = 0; i < l->nlines; i++) {
		const json_t *line = l->lines[i];
		const char *type = jstr(line, "type");
		if (strcmp(type, "edge") == 0) {
			int from = map_id(cmap, json_object_get(line, "from")), to = map_id(cmap, json_object_get(line, "to"));
			if (from == to)
				continue;
			struct g_edge *e = edge_get(m, from, to);
			e->count += count_of(line, "count", 1);
			e->processes += count_of(line, "processes", 1);
			size_t k;
			const json_t *o;
			json_array_foreach(json_object_get(line, "origins"), k, o) {
				struct g_origin g = {
					.process = map_id(pmap, json_object_get(o, "process")),
					.count = count_of(o, "count", 1),
					.thread = (int)json_integer_value(json_object_get(o, "thread")),
					.stack = map_id(smap, json_object_get(o, "stack")),
					.held_stack = map_id(smap, json_object_get(o, "held_stack")),
				};
				add_origin(m, e->origins, &e->norigins, &g);
			}
		} else if (strcmp(type, "live") == 0) {
			const json_t *edges = json_object_get(line, "edges"), *procs = json_object_get(line, "processes");
			int n = (int)json_array_size(edges), np = (int)json_array_size(procs);
			int *pairs = malloc((size_t)n * 2 * sizeof *pairs), *ps = malloc(((size_t)np + 1) * sizeof *ps);
			for (int k = 0; k < n; k++) {
				pairs[2 * k] = map_id(cmap, json_array_get(json_array_get(edges, (size_t)k), 0));
				pairs[2 * k + 1] = map_id(cmap, json_array_get(json_array_get(edges, (size_t)k), 1));
			}
			for (int k = 0; k < np; k++)
				ps[k] = map_id(pmap, json_array_get(procs, (size_t)k));
			add_live(m, pairs, n, ps, np);
			free(pairs);
			free(ps);
		}
	}
	free(pmap);
	free(cmap);
	free(smap);
}

int model_load_file(struct model *m, const char *path)
{
	struct local l;
	int bad_line;
	memset(&l, 0, sizeof l);
	const char *why = parse_file(m, path, &l, &bad_line);
	if (why) {
		if (bad_line)
			fprintf(stderr, "coffman-graph: %s:%d: %s; file not used\n", path, bad_line, why);
		else
			fprintf(stderr, "coffman-graph: %s: %s; file not used\n", path, why);
		local_free(&l);
		return -1;
	}
	apply_file(m, &l);
	m->files++;
	local_free(&l);
	return 0;
}

int model_is_graph_file(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strncmp(buf, "{\"coffman_graph\":", 17) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int model_load_path(struct model *m, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "coffman-graph: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return model_load_file(m, path) != 0;
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "coffman-graph: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int failed = 0;
	for (int i = 0; i < n; i++) {
		/* Hidden names are files still being written (their temporary names) or not ours. */
		if (names[i]->d_name[0] != '.' && ends_with(names[i]->d_name, ".graph.jsonl")) {
			size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
			char *full = malloc(len);
			snprintf(full, len, "%s/%s", path, names[i]->d_name);
			failed += model_load_file(m, full) != 0;
			free(full);
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

void model_process_label(const struct model *m, int process, char *buf, size_t len)
{
	if (process < 0 || process >= m->nprocesses) {
		snprintf(buf, len, "?");
		return;
	}
	const json_t *p = m->processes[process]->obj;
	const char *program = jstr(p, "program"), *host = jstr(p, "host"), *test = jstr(p, "test");
	const char *base = program ? strrchr(program, '/') : NULL;
	char testpart[300] = "";
	if (test)
		snprintf(testpart, sizeof testpart, ", test %s", test);
	snprintf(buf, len, "%s (pid %lld on %s%s)", base ? base + 1 : program ? program : "?",
		 (long long)json_integer_value(json_object_get(p, "pid")), host ? host : "?", testpart);
}

/* ---------------------------------------------------------------- writing the model */

static const struct model *sort_model;

static int by_process(const void *a, const void *b)
{
	return strcmp(sort_model->processes[*(const int *)a]->ident, sort_model->processes[*(const int *)b]->ident);
}

static int by_class(const void *a, const void *b)
{
	return strcmp(sort_model->classes[*(const int *)a]->key, sort_model->classes[*(const int *)b]->key);
}

static int by_edge(const void *a, const void *b)
{
	const struct g_edge *x = *(struct g_edge *const *)a, *y = *(struct g_edge *const *)b;
	int c = strcmp(sort_model->classes[x->from]->key, sort_model->classes[y->from]->key);
	return c ? c : strcmp(sort_model->classes[x->to]->key, sort_model->classes[y->to]->key);
}

static int by_live(const void *a, const void *b)
{
	return strcmp((*(struct g_live *const *)a)->sig, (*(struct g_live *const *)b)->sig);
}

static void put_line(FILE *out, json_t *line)
{
	json_dumpf(line, out, JSON_COMPACT);
	fputc('\n', out);
	json_decref(line);
}

/* An object with "type" and "id" first, then the members of obj. */
static json_t *line_of(const char *type, int id, const json_t *obj)
{
	json_t *line = json_object();
	json_object_set_new(line, "type", json_string(type));
	json_object_set_new(line, "id", json_integer(id));
	json_object_update(line, (json_t *)obj);
	return line;
}

int model_write(const struct model *m, FILE *out)
{
	int *porder = malloc(((size_t)m->nprocesses + 1) * sizeof *porder);
	int *pid_of = malloc(((size_t)m->nprocesses + 1) * sizeof *pid_of);
	int *corder = malloc(((size_t)m->nclasses + 1) * sizeof *corder);
	int *cid_of = malloc(((size_t)m->nclasses + 1) * sizeof *cid_of);
	int *sid_of = malloc(((size_t)m->nstacks + 1) * sizeof *sid_of);
	int *sorder = malloc(((size_t)m->nstacks + 1) * sizeof *sorder);
	struct g_edge **eorder = malloc(((size_t)m->nedges + 1) * sizeof *eorder);
	struct g_live **lorder = malloc(((size_t)m->nlives + 1) * sizeof *lorder);
	int nstacks = 0;
	sort_model = m;
	for (int i = 0; i < m->nprocesses; i++)
		porder[i] = i;
	qsort(porder, (size_t)m->nprocesses, sizeof *porder, by_process);
	for (int i = 0; i < m->nprocesses; i++)
		pid_of[porder[i]] = i;
	for (int i = 0; i < m->nclasses; i++)
		corder[i] = i;
	qsort(corder, (size_t)m->nclasses, sizeof *corder, by_class);
	for (int i = 0; i < m->nclasses; i++)
		cid_of[corder[i]] = i;
	if (m->nedges) {        /* an empty list has no array (memcpy and qsort may not get NULL) */
		memcpy(eorder, m->edges, (size_t)m->nedges * sizeof *eorder);
		qsort(eorder, (size_t)m->nedges, sizeof *eorder, by_edge);
	}
	if (m->nlives) {
		memcpy(lorder, m->lives, (size_t)m->nlives * sizeof *lorder);
		qsort(lorder, (size_t)m->nlives, sizeof *lorder, by_live);
	}
	/* Stacks are numbered as the sorted edges first name them; unnamed ones are dropped. */
	for (int i = 0; i < m->nstacks; i++)
		sid_of[i] = -1;
	for (int i = 0; i < m->nedges; i++)
		for (int k = 0; k < eorder[i]->norigins; k++) {
			int s[2] = { eorder[i]->origins[k].stack, eorder[i]->origins[k].held_stack };
			for (int j = 0; j < 2; j++)
				if (s[j] >= 0 && sid_of[s[j]] < 0) {
					sid_of[s[j]] = nstacks;
					sorder[nstacks++] = s[j];
				}
		}

	json_t *header = json_object();
	json_object_set_new(header, "coffman_graph", json_integer(GRAPH_FORMAT_VERSION));
	json_object_set_new(header, "type", json_string("header"));
	json_object_set_new(header, "producer", json_string("coffman-graph merge"));
	json_object_set_new(header, "processes", json_integer(m->nprocesses));
	put_line(out, header);
	for (int i = 0; i < m->nprocesses; i++)
		put_line(out, line_of("process", i, m->processes[porder[i]]->obj));
	for (int i = 0; i < m->nclasses; i++) {
		json_t *line = line_of("class", i, m->classes[corder[i]]->obj);
		put_line(out, line);
	}
	for (int i = 0; i < nstacks; i++)
		fprintf(out, "{\"type\":\"stack\",\"id\":%d,\"frames\":%s}\n", i, m->stacks[sorder[i]]->text);
	for (int i = 0; i < m->nedges; i++) {
		const struct g_edge *e = eorder[i];
		json_t *line = json_object(), *origins = json_array();
		json_object_set_new(line, "type", json_string("edge"));
		json_object_set_new(line, "from", json_integer(cid_of[e->from]));
		json_object_set_new(line, "to", json_integer(cid_of[e->to]));
		json_object_set_new(line, "count", json_integer((json_int_t)e->count));
		json_object_set_new(line, "processes", json_integer((json_int_t)e->processes));
		for (int k = 0; k < e->norigins; k++) {
			const struct g_origin *o = &e->origins[k];
			json_t *jo = json_object();
			json_object_set_new(jo, "process", json_integer(pid_of[o->process]));
			json_object_set_new(jo, "count", json_integer((json_int_t)o->count));
			json_object_set_new(jo, "thread", json_integer(o->thread));
			json_object_set_new(jo, "stack", o->stack >= 0 ? json_integer(sid_of[o->stack]) : json_null());
			json_object_set_new(jo, "held_stack", o->held_stack >= 0 ? json_integer(sid_of[o->held_stack]) : json_null());
			json_array_append_new(origins, jo);
		}
		json_object_set_new(line, "origins", origins);
		put_line(out, line);
	}
	for (int i = 0; i < m->nlives; i++) {
		const struct g_live *l = lorder[i];
		json_t *line = json_object(), *procs = json_array(), *edges = json_array();
		json_object_set_new(line, "type", json_string("live"));
		for (int k = 0; k < l->nprocs; k++)
			json_array_append_new(procs, json_integer(pid_of[l->procs[k]]));
		for (int k = 0; k < l->nedges; k++)
			json_array_append_new(edges, json_pack("[ii]", cid_of[l->pairs[2 * k]], cid_of[l->pairs[2 * k + 1]]));
		json_object_set_new(line, "processes", procs);
		json_object_set_new(line, "edges", edges);
		put_line(out, line);
	}
	json_t *end = json_object();
	json_object_set_new(end, "type", json_string("end"));
	json_object_set_new(end, "classes", json_integer(m->nclasses));
	json_object_set_new(end, "edges", json_integer(m->nedges));
	json_object_set_new(end, "stacks", json_integer(nstacks));
	put_line(out, end);
	free(porder);
	free(pid_of);
	free(corder);
	free(cid_of);
	free(sid_of);
	free(sorder);
	free(eorder);
	free(lorder);
	return ferror(out) ? -1 : 0;
}
