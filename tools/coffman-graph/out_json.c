/* JSON lines and SARIF forms of merged cycles (output.h).
 *
 * A cycle's JSON object has the fields of a live lock-order-inversion report in JSON (shim/report_json.c)
 * where they apply, with frames in the same form, plus what a merge knows:
 *   {"coffman":1, "source":"coffman-graph", "kind":"lock-order-inversion", "found":"cross-process"|
 *    "single-process"|"live", "summary":"...", "note":"...", "cycle":["L1","L2","L1"],
 *    "locks":[{"id":"L1","class":"static libx.so:lock_a","name":"lock_a"|null,"type":"mutex",
 *              "class_kind":"static"|"site","object":...,"build_id":...,
 *              "created":{"how":"init"|"first-use","frame":frame,"caller":frame|null}|null}],
 *    "edges":[{"from":"L1","to":"L2","process":"P1","thread":"T1","count":N,"processes":N,
 *              "stack":[frame...],"held_stack":[frame...],"also_in":["P2"]}],
 *    "processes":[{"id":"P1","program":...,"pid":N,"host":...,"test":...,...}]}
 * and the last line is {"coffman":1,"source":"coffman-graph","kind":"summary",...}. */
#include "describe.h"
#include "output.h"

#include <string.h>

static json_t *ref(char prefix, int num)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%c%d", prefix, num);
	return json_string(buf);
}

static int lock_num(const struct cycle *cy, int klass)
{
	for (int i = 0; i < cy->n; i++)
		if (cy->classes[i] == klass)
			return i + 1;
	return 0;
}

static json_t *frames_of(const struct model *m, int stack)
{
	return json_deep_copy(model_stack_frames(m, stack));
}

json_t *cycle_json(const struct model *m, const struct cycle *cy)
{
	char text[2400];
	struct cycle_procs procs;
	cycle_procs(cy, &procs);
	json_t *o = json_object(), *cycle = json_array(), *locks = json_array(), *edges = json_array();
	json_t *processes = json_array();
	json_object_set_new(o, "coffman", json_integer(1));
	json_object_set_new(o, "source", json_string("coffman-graph"));
	json_object_set_new(o, "kind", json_string("lock-order-inversion"));
	json_object_set_new(o, "found", json_string(cycle_found_name(cy->found)));
	cycle_summary(m, cy, text, sizeof text);
	json_object_set_new(o, "summary", json_string(text));
	cycle_note(m, cy, text, sizeof text);
	json_object_set_new(o, "note", json_string(text));
	for (int i = 0; i <= cy->n; i++)
		json_array_append_new(cycle, ref('L', i % cy->n + 1));
	json_object_set_new(o, "cycle", cycle);
	for (int i = 0; i < cy->n; i++) {
		const json_t *c = m->classes[cy->classes[i]]->obj;
		json_t *l = json_object(), *site = json_object_get(c, "site");
		json_object_set_new(l, "id", ref('L', i + 1));
		json_object_set_new(l, "class", json_string(m->classes[cy->classes[i]]->key));
		json_object_set(l, "name", json_object_get(c, "name") ? json_object_get(c, "name") : json_null());
		json_object_set(l, "type", json_object_get(c, "lock") ? json_object_get(c, "lock") : json_null());
		json_object_set(l, "class_kind", json_object_get(c, "kind") ? json_object_get(c, "kind") : json_null());
		json_object_set(l, "object", json_object_get(c, "object") ? json_object_get(c, "object") : json_null());
		json_object_set(l, "build_id", json_object_get(c, "build_id") ? json_object_get(c, "build_id") : json_null());
		if (json_is_object(site)) {
			/* "caller" as in a live report: for a class made through a library's wrapper, the
			 * class's site is the wrapper's caller and the wrapper is "frame". */
			json_t *wrapper = json_object_get(c, "wrapper");
			if (json_is_object(wrapper))
				json_object_set_new(l, "created", json_pack("{s:O,s:O,s:O}", "how", json_object_get(c, "how"),
									    "frame", wrapper, "caller", site));
			else
				json_object_set_new(l, "created", json_pack("{s:O,s:O,s:n}", "how", json_object_get(c, "how"),
									    "frame", site, "caller"));
		}
		else
			json_object_set_new(l, "created", json_null());
		json_array_append_new(locks, l);
	}
	json_object_set_new(o, "locks", locks);
	for (int i = 0; i < cy->n; i++) {
		const struct g_edge *e = cy->edges[i];
		const struct g_origin *g = e->norigins ? &e->origins[0] : NULL;
		json_t *je = json_object(), *also = json_array();
		json_object_set_new(je, "from", ref('L', lock_num(cy, e->from)));
		json_object_set_new(je, "to", ref('L', lock_num(cy, e->to)));
		json_object_set_new(je, "process", g ? ref('P', cycle_proc_num(&procs, g->process)) : json_null());
		json_object_set_new(je, "thread", g ? ref('T', g->thread) : json_null());
		json_object_set_new(je, "count", json_integer((json_int_t)e->count));
		json_object_set_new(je, "processes", json_integer((json_int_t)e->processes));
		json_object_set_new(je, "stack", frames_of(m, g ? g->stack : -1));
		json_object_set_new(je, "held_stack", frames_of(m, g ? g->held_stack : -1));
		for (int k = 1; k < e->norigins; k++)
			json_array_append_new(also, ref('P', cycle_proc_num(&procs, e->origins[k].process)));
		json_object_set_new(je, "also_in", also);
		json_array_append_new(edges, je);
	}
	json_object_set_new(o, "edges", edges);
	for (int i = 0; i < procs.n; i++) {
		json_t *p = json_object();
		json_object_set_new(p, "id", ref('P', i + 1));
		json_object_update(p, m->processes[procs.procs[i]]->obj);
		json_array_append_new(processes, p);
	}
	json_object_set_new(o, "processes", processes);
	return o;
}

void out_json(const struct model *m, const struct cycles *c, FILE *f)
{
	int counts[3] = { 0, 0, 0 };
	for (int i = 0; i < c->n; i++) {
		if (c->list[i].suppressed)
			continue;
		counts[c->list[i].found]++;
		json_t *o = cycle_json(m, &c->list[i]);
		json_dumpf(o, f, JSON_COMPACT);
		fputc('\n', f);
		json_decref(o);
	}
	json_t *s = json_pack("{s:i,s:s,s:s,s:{s:i},s:{s:i,s:i,s:i},s:i,s:i,s:i,s:i,s:i}", "coffman", 1, "source",
			      "coffman-graph", "kind", "summary", "counts", "lock-order-inversion",
			      c->n - c->suppressed, "found", "cross-process", counts[FOUND_CROSS_PROCESS],
			      "single-process", counts[FOUND_SINGLE_PROCESS], "live", counts[FOUND_LIVE], "suppressed",
			      c->suppressed, "files", m->files, "processes", m->nprocesses, "classes", m->nclasses,
			      "edges", m->nedges);
	json_dumpf(s, f, JSON_COMPACT);
	fputc('\n', f);
	json_decref(s);
}

/* ---------------------------------------------------------------- SARIF */

static json_t *sarif_location(const json_t *frame, const char *message)
{
	const char *file = jstr(frame, "file"), *func = jstr(frame, "function");
	json_t *loc = json_object(), *phys = json_object();
	if (file && file[0]) {
		char uri[2100];
		snprintf(uri, sizeof uri, "%s%s", file[0] == '/' ? "file://" : "", file);
		json_object_set_new(phys, "artifactLocation", json_pack("{s:s}", "uri", uri));
		json_t *line = json_object_get(frame, "line");
		if (json_is_integer(line) && json_integer_value(line) > 0)
			json_object_set_new(phys, "region", json_pack("{s:O}", "startLine", line));
		json_object_set_new(loc, "physicalLocation", phys);
	} else {
		json_decref(phys);
	}
	json_object_set_new(loc, "logicalLocations", json_pack("[{s:s,s:s}]", "name", func ? func : "??", "kind",
							       "function"));
	if (message)
		json_object_set_new(loc, "message", json_pack("{s:s}", "text", message));
	return loc;
}

int out_sarif(const struct model *m, const struct cycles *c, FILE *f)
{
	json_t *results = json_array();
	for (int i = 0; i < c->n; i++) {
		const struct cycle *cy = &c->list[i];
		char text[2400], a[600], b[600], who[600], msg[3000];
		if (cy->suppressed)
			continue;
		json_t *r = json_object(), *related = json_array(), *locations = json_array();
		cycle_summary(m, cy, text, sizeof text);
		json_object_set_new(r, "ruleId", json_string("lock-order-inversion"));
		json_object_set_new(r, "ruleIndex", json_integer(0));
		json_object_set_new(r, "level", json_string("warning"));
		json_object_set_new(r, "message", json_pack("{s:s}", "text", text));
		for (int k = 0; k < cy->n; k++) {
			const struct g_edge *e = cy->edges[k];
			const struct g_origin *g = e->norigins ? &e->origins[0] : NULL;
			class_label(m, e->from, lock_num(cy, e->from) - 1, a, sizeof a);
			class_label(m, e->to, lock_num(cy, e->to) - 1, b, sizeof b);
			model_process_label(m, g ? g->process : -1, who, sizeof who);
			const json_t *acq = g && g->stack >= 0 ? stack_program_frame(model_stack_frames(m, g->stack)) : NULL;
			const json_t *held = g && g->held_stack >= 0 ? stack_program_frame(model_stack_frames(m, g->held_stack)) : NULL;
			snprintf(msg, sizeof msg, "edge %d: %s acquires %s while holding %s", k + 1, who, b, a);
			if (acq && k == 0)
				json_array_append_new(locations, sarif_location(acq, msg));
			else if (acq)
				json_array_append_new(related, sarif_location(acq, msg));
			snprintf(msg, sizeof msg, "edge %d: %s acquired %s here (held while acquiring %s)", k + 1, who, a, b);
			if (held)
				json_array_append_new(related, sarif_location(held, msg));
		}
		for (size_t k = 0; k < json_array_size(related); k++)
			json_object_set_new(json_array_get(related, k), "id", json_integer((json_int_t)k + 1));
		json_object_set_new(r, "locations", locations);
		json_object_set_new(r, "relatedLocations", related);
		cycle_note(m, cy, text, sizeof text);
		json_object_set_new(r, "properties", json_pack("{s:s,s:s,s:i}", "note", text, "found",
								cycle_found_name(cy->found), "processes", cy->nprocesses));
		json_array_append_new(results, r);
	}
	json_t *rule = json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "id", "lock-order-inversion", "name", "LockOrderInversion",
				 "shortDescription", "text", "Locks acquired in inconsistent orders across processes",
				 "fullDescription", "text",
				 "The merged lock-order graph of several processes has a cycle: a potential deadlock "
				 "once these code paths run in one process.");
	json_t *doc = json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:[o]}},s:o}]}", "version", "2.1.0", "$schema",
				"https://json.schemastore.org/sarif-2.1.0.json", "runs", "tool", "driver", "name",
				"coffman-graph", "informationUri", "https://example.invalid/coffman", "rules", rule,
				"results", results);
	int rc = json_dumpf(doc, f, JSON_INDENT(1));
	fputc('\n', f);
	json_decref(doc);
	return rc;
}
