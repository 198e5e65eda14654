/* The HTML report (output.h): one self-contained page — inline style, inline script, pictures as
 * inline SVG made by Graphviz's `dot -Tsvg` — that needs no network to view (a Content-Security-Policy
 * forbids loading anything).  Every finding is an <article data-kind=KIND data-source=merged|live>;
 * stacks are <details> blocks (collapsed); the checkboxes at the top show and hide findings by kind.
 * The script marks <body data-ready="1"> once it has run, and writes how many findings are shown;
 * a URL ending in #only=KIND opens the page with only that kind shown. */
#include "describe.h"
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void html(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (*p >= 0x20 || *p == '\n' || *p == '\t')
				fputc(*p, f);
		}
	}
}

static const char style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:70em;color:#222;padding:0 1em}"
	"h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.1em;margin:.2em 0}"
	".meta{color:#555}#filters{margin:1em 0;padding:.5em .8em;background:#f4f6f7;border-radius:6px}"
	"#filters label{margin-right:1.2em;white-space:nowrap}"
	".finding{border:1px solid #d5d8dc;border-left:5px solid #7f8c8d;border-radius:6px;padding:.6em 1em;margin:1em 0}"
	".finding[data-source=merged]{border-left-color:#c0392b}"
	".kind{font-family:monospace;background:#fdedec;color:#922b21;padding:0 .3em;border-radius:3px}"
	".found{font-size:.85em;color:#fff;background:#c0392b;padding:0 .4em;border-radius:3px;margin-left:.4em}"
	".found.live{background:#7f8c8d}.found.single-process{background:#b9770e}"
	".note{color:#444}.picture svg{max-width:100%;height:auto}"
	"pre{background:#fbfcfc;border:1px solid #eaeded;padding:.4em .6em;overflow-x:auto;font-size:12px;margin:.3em 0}"
	"details{margin:.3em 0}summary{cursor:pointer}ul{margin:.3em 0}";

static const char script[] =
	"(function(){'use strict';"
	"var boxes=Array.prototype.slice.call(document.querySelectorAll('#filters input'));"
	"var all=Array.prototype.slice.call(document.querySelectorAll('.finding'));"
	"function apply(){var on={};boxes.forEach(function(b){on[b.getAttribute('data-kind')]=b.checked;});"
	"var n=0;all.forEach(function(f){var show=on[f.getAttribute('data-kind')]!==false;f.hidden=!show;if(show)n++;});"
	"document.getElementById('shown').textContent=n+' of '+all.length+' findings shown';}"
	"boxes.forEach(function(b){b.addEventListener('change',apply);});"
	"var only=/^#only=(.+)$/.exec(location.hash);"
	"if(only)boxes.forEach(function(b){b.checked=b.getAttribute('data-kind')===decodeURIComponent(only[1]);});"
	"apply();document.body.setAttribute('data-ready','1');})();";

/* ---------------------------------------------------------------- pictures */

/* The SVG that `dot -Tsvg` makes of a cycle, from its <svg> on (no XML prolog inside HTML); NULL
 * when Graphviz is missing or fails. */
static char *svg_of(const struct model *m, const struct cycle *cy)
{
	char in[] = "/tmp/coffman-graph-XXXXXX";
	int fd = mkstemp(in);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w");
	out_dot_cycle(m, cy, f);
	fclose(f);
	int pipefd[2];
	char *out = NULL;
	size_t len = 0, cap = 0;
	if (pipe(pipefd) != 0) {
		unlink(in);
		return NULL;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execlp("dot", "dot", "-Tsvg", in, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			out = realloc(out, cap);
		}
		ssize_t r = read(pipefd[0], out + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pipefd[0]);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	unlink(in);
	if (pid < 0 || !out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	char *svg = strstr(out, "<svg");
	if (!svg) {
		free(out);
		return NULL;
	}
	memmove(out, svg, strlen(svg) + 1);
	return out;
}

/* ---------------------------------------------------------------- merged cycles */

static void frames_pre(FILE *f, const json_t *frames)
{
	char site[2400];
	size_t i;
	const json_t *fr;
	fputs("<pre>", f);
	if (!json_array_size(frames))
		fputs("(no stack)", f);
	json_array_foreach(frames, i, fr) {
		const char *file = jstr(fr, "file"), *object = jstr(fr, "object");
		frame_site(fr, site, sizeof site);
		fprintf(f, "%s#%zu ", i ? "\n" : "", i);
		html(f, site);
		if (file && object) {
			fputs(" (", f);
			html(f, object);
			fputs(")", f);
		}
		if (json_is_true(json_object_get(fr, "inlined")))
			fputs(" [inlined]", f);
	}
	fputs("</pre>", f);
}

static void merged_cycle(FILE *f, const struct model *m, const struct cycle *cy, int index)
{
	json_t *o = cycle_json(m, cy);
	const char *found = cycle_found_name(cy->found);
	fprintf(f, "<article class=\"finding\" data-kind=\"lock-order-inversion\" data-source=\"merged\" "
		   "data-found=\"%s\" id=\"cycle-%d\">\n<h2><span class=\"kind\">lock-order-inversion</span> ", found,
		index + 1);
	html(f, jstr(o, "summary"));
	fprintf(f, "<span class=\"found %s\">%s</span></h2>\n<p class=\"note\">", found, found);
	html(f, jstr(o, "note"));
	fputs("</p>\n", f);
	char *svg = svg_of(m, cy);
	if (svg) {
		fprintf(f, "<div class=\"picture\">%s</div>\n", svg);
		free(svg);
	} else {
		fputs("<p class=\"note\">(no picture: Graphviz's <code>dot</code> is not installed or failed)</p>\n", f);
	}
	fputs("<ul class=\"locks\">", f);
	size_t i;
	const json_t *l;
	json_array_foreach(json_object_get(o, "locks"), i, l) {
		char label[800], text[2400];
		class_label(m, cy->classes[i], (int)i, label, sizeof label);
		class_text(m, cy->classes[i], text, sizeof text);
		fputs("<li><b>", f);
		html(f, label);
		fputs("</b>: ", f);
		html(f, text);
		fputs("</li>", f);
	}
	fputs("</ul>\n", f);
	const json_t *e;
	json_array_foreach(json_object_get(o, "edges"), i, e) {
		fprintf(f, "<details><summary>edge %zu: ", i + 1);
		html(f, jstr(e, "process"));
		fputs(" ", f);
		html(f, jstr(e, "thread"));
		fputs(" locks ", f);
		html(f, jstr(e, "to"));
		fputs(" while holding ", f);
		html(f, jstr(e, "from"));
		fputs("</summary>", f);
		frames_pre(f, json_object_get(e, "stack"));
		fputs("<div>", f);
		html(f, jstr(e, "from"));
		fputs(" had been acquired at:</div>", f);
		frames_pre(f, json_object_get(e, "held_stack"));
		fputs("</details>\n", f);
	}
	fputs("<details><summary>processes</summary><ul>", f);
	const json_t *p;
	json_array_foreach(json_object_get(o, "processes"), i, p) {
		fputs("<li><b>", f);
		html(f, jstr(p, "id"));
		fputs("</b> ", f);
		html(f, jstr(p, "program"));
		fprintf(f, " (pid %lld on ", (long long)json_integer_value(json_object_get(p, "pid")));
		html(f, jstr(p, "host"));
		if (jstr(p, "test")) {
			fputs(", test ", f);
			html(f, jstr(p, "test"));
		}
		fputs(")</li>", f);
	}
	fputs("</ul></details>\n</article>\n", f);
	json_decref(o);
}

/* ---------------------------------------------------------------- live reports */

static void live_report(FILE *f, const json_t *r, const char *log)
{
	const char *kind = jstr(r, "kind");
	size_t i;
	const json_t *x;
	fputs("<article class=\"finding\" data-kind=\"", f);
	html(f, kind);
	fputs("\" data-source=\"live\">\n<h2><span class=\"kind\">", f);
	html(f, kind);
	fputs("</span> ", f);
	html(f, jstr(r, "summary"));
	fputs("<span class=\"found live\">live</span></h2>\n", f);
	if (jstr(r, "note") && jstr(r, "note")[0]) {
		fputs("<p class=\"note\">", f);
		html(f, jstr(r, "note"));
		fputs("</p>\n", f);
	}
	fprintf(f, "<p class=\"meta\">pid %lld, in ", (long long)json_integer_value(json_object_get(r, "pid")));
	html(f, log);
	fputs("</p>\n", f);
	if (json_array_size(json_object_get(r, "cycle"))) {
		fputs("<p>cycle: ", f);
		json_array_foreach(json_object_get(r, "cycle"), i, x) {
			fputs(i ? " &rarr; " : "", f);
			html(f, json_string_value(x));
		}
		fputs("</p>\n", f);
	}
	fputs("<ul class=\"locks\">", f);
	json_array_foreach(json_object_get(r, "locks"), i, x) {
		fputs("<li><b>", f);
		html(f, jstr(x, "id"));
		fputs("</b> ", f);
		html(f, jstr(x, "name") ? jstr(x, "name") : jstr(x, "address"));
		fputs(" (", f);
		html(f, jstr(x, "type"));
		fputs(")</li>", f);
	}
	fputs("</ul>\n", f);
	json_array_foreach(json_object_get(r, "edges"), i, x) {
		fprintf(f, "<details><summary>edge %zu: ", i + 1);
		html(f, jstr(x, "thread"));
		fputs(" locks ", f);
		html(f, jstr(x, "to"));
		fputs(" while holding ", f);
		html(f, jstr(x, "from"));
		fputs("</summary>", f);
		frames_pre(f, json_object_get(x, "stack"));
		fputs("<div>held since:</div>", f);
		frames_pre(f, json_object_get(x, "held_stack"));
		fputs("</details>\n", f);
	}
	json_array_foreach(json_object_get(r, "waits"), i, x) {
		fputs("<details><summary>", f);
		html(f, jstr(x, "thread"));
		fputs(" waits in ", f);
		html(f, jstr(x, "what"));
		fputs("</summary>", f);
		frames_pre(f, json_object_get(x, "stack"));
		fputs("</details>\n", f);
	}
	json_array_foreach(json_object_get(r, "stacks"), i, x) {
		fputs("<details><summary>", f);
		html(f, jstr(x, "label"));
		fputs("</summary>", f);
		frames_pre(f, json_object_get(x, "frames"));
		fputs("</details>\n", f);
	}
	fputs("</article>\n", f);
}

/* Reports of a JSON log: every line that is a report (not a warning or the summary). */
static json_t *read_log(const char *path)
{
	json_t *reports = json_array();
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (!f)
		return reports;
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *r = json_loadb(line, (size_t)n, 0, NULL);
		const char *kind = jstr(r, "kind");
		if (json_is_object(r) && kind && strcmp(kind, "warning") && strcmp(kind, "summary"))
			json_array_append(reports, r);
		json_decref(r);
	}
	free(line);
	fclose(f);
	return reports;
}

/* ---------------------------------------------------------------- the page */

struct kind_count {
	const char *kind;
	int n;
};

static void count_kind(struct kind_count *k, int *nk, const char *kind)
{
	for (int i = 0; i < *nk; i++)
		if (strcmp(k[i].kind, kind) == 0) {
			k[i].n++;
			return;
		}
	if (*nk < 64) {
		k[*nk].kind = kind;
		k[(*nk)++].n = 1;
	}
}

int out_html(const struct model *m, const struct cycles *c, char *const *logs, int nlogs, FILE *f)
{
	json_t **reports = calloc((size_t)nlogs + 1, sizeof *reports);
	struct kind_count kinds[64];
	int nkinds = 0, nlive = 0, nmerged = 0;
	for (int i = 0; i < c->n; i++)
		if (!c->list[i].suppressed) {
			count_kind(kinds, &nkinds, "lock-order-inversion");
			nmerged++;
		}
	for (int i = 0; i < nlogs; i++) {
		size_t k;
		const json_t *r;
		reports[i] = read_log(logs[i]);
		json_array_foreach(reports[i], k, r) {
			count_kind(kinds, &nkinds, jstr(r, "kind"));
			nlive++;
		}
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
	      "script-src 'unsafe-inline'; img-src data:\">\n<title>coffman report</title>\n<style>", f);
	fputs(style, f);
	fputs("</style>\n</head>\n<body>\n<h1>coffman report</h1>\n", f);
	fprintf(f, "<p class=\"meta\" id=\"counts\" data-merged=\"%d\" data-live=\"%d\">%d merged cycle%s from %d graph "
		   "file%s (%d process%s, %d lock class%s, %d edge%s; %d suppressed); %d live report%s from %d log%s.</p>\n",
		nmerged, nlive, nmerged, nmerged == 1 ? "" : "s", m->files, m->files == 1 ? "" : "s", m->nprocesses,
		m->nprocesses == 1 ? "" : "es", m->nclasses, m->nclasses == 1 ? "" : "es", m->nedges,
		m->nedges == 1 ? "" : "s", c->suppressed, nlive, nlive == 1 ? "" : "s", nlogs, nlogs == 1 ? "" : "s");
	fputs("<div id=\"filters\">Show: ", f);
	for (int i = 0; i < nkinds; i++) {
		fputs("<label><input type=\"checkbox\" checked data-kind=\"", f);
		html(f, kinds[i].kind);
		fputs("\"> ", f);
		html(f, kinds[i].kind);
		fprintf(f, " (%d)</label>", kinds[i].n);
	}
	fputs("<span id=\"shown\"></span></div>\n<section id=\"findings\">\n", f);
	for (int i = 0; i < c->n; i++)
		if (!c->list[i].suppressed)
			merged_cycle(f, m, &c->list[i], i);
	for (int i = 0; i < nlogs; i++) {
		size_t k;
		const json_t *r;
		json_array_foreach(reports[i], k, r) {
			live_report(f, r, logs[i]);
		}
		json_decref(reports[i]);
	}
	free(reports);
	if (nmerged + nlive == 0)
		fputs("<p>No findings: no merged cycle and no live report.</p>\n", f);
	fputs("</section>\n<script>", f);
	fputs(script, f);
	fputs("</script>\n</body>\n</html>\n", f);
	return ferror(f) ? -1 : 0;
}
