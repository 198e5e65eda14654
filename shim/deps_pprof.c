/* pprof_encode (deps_api.h): a neutral profile to pprof's protobuf encoding with protobuf-c, inside
 * the private namespace (libcoffman-pprof.so, which libcoffman-deps.so loads there when a profile is
 * asked for: COFFMAN_PPROF_SYMBOL), so the message's temporary arrays come from that namespace's malloc and never
 * from the program's.  The caller supplies the output buffer (its own memory).  The schema is
 * shim/pprof.proto; the generated code is built from it (protoc-c). */
#include "deps_ns.h"

#include <stdlib.h>
#include <string.h>

#include "pprof.pb-c.h"

/* The string table: "" first, each distinct string once.  Linear search would be quadratic in a
 * large profile, so a small open-addressing index sits beside it. */
struct strtab {
	char **s;
	size_t n, cap;
	size_t *index;          /* slots hold position + 1; 0 free */
	size_t index_mask;
	int failed;
};

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int strtab_grow_index(struct strtab *t)
{
	size_t slots = t->index ? (t->index_mask + 1) * 2 : 1024;
	size_t *idx = calloc(slots, sizeof *idx);
	if (!idx)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = str_hash(t->s[i]) & (slots - 1);
		while (idx[h])
			h = (h + 1) & (slots - 1);
		idx[h] = i + 1;
	}
	free(t->index);
	t->index = idx;
	t->index_mask = slots - 1;
	return 0;
}

static int64_t intern(struct strtab *t, const char *s)
{
	if (!s)
		s = "";
	if (t->failed)
		return 0;
	if ((!t->index || t->n * 2 >= t->index_mask) && strtab_grow_index(t) != 0)
		goto fail;
	size_t h = str_hash(s) & t->index_mask;
	for (; t->index[h]; h = (h + 1) & t->index_mask)
		if (strcmp(t->s[t->index[h] - 1], s) == 0)
			return (int64_t)(t->index[h] - 1);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char **grown = realloc(t->s, cap * sizeof *grown);
		if (!grown)
			goto fail;
		t->s = grown;
		t->cap = cap;
	}
	/* The caller's strings outlive the encoding: pointed to, not copied. */
	t->s[t->n] = (char *)s;
	t->index[h] = ++t->n;
	return (int64_t)(t->n - 1);
fail:
	t->failed = 1;
	return 0;
}

__attribute__((visibility("default"))) size_t coffman_pprof_encode(const struct pprof_data *d, uint8_t *buf,
								     size_t cap)
{
	size_t size = 0;
	struct strtab st = { 0 };
	intern(&st, "");
	CoffmanPprof__Profile p = COFFMAN_PPROF__PROFILE__INIT;
	CoffmanPprof__ValueType types[PPROF_VALUES_MAX], *type_ptrs[PPROF_VALUES_MAX];
	CoffmanPprof__ValueType period = COFFMAN_PPROF__VALUE_TYPE__INIT;
	CoffmanPprof__Mapping mapping = COFFMAN_PPROF__MAPPING__INIT, *mapping_ptr = &mapping;
	CoffmanPprof__Function *funcs = calloc(d->nfunctions + 1, sizeof *funcs);
	CoffmanPprof__Function **func_ptrs = calloc(d->nfunctions + 1, sizeof *func_ptrs);
	CoffmanPprof__Location *locs = calloc(d->nlocations + 1, sizeof *locs);
	CoffmanPprof__Location **loc_ptrs = calloc(d->nlocations + 1, sizeof *loc_ptrs);
	size_t nlines = 0;
	for (size_t i = 0; i < d->nlocations; i++)
		nlines += (size_t)d->locations[i].nlines;
	CoffmanPprof__Line *lines = calloc(nlines + 1, sizeof *lines);
	CoffmanPprof__Line **line_ptrs = calloc(nlines + 1, sizeof *line_ptrs);
	CoffmanPprof__Sample *samples = calloc(d->nsamples + 1, sizeof *samples);
	CoffmanPprof__Sample **sample_ptrs = calloc(d->nsamples + 1, sizeof *sample_ptrs);
	CoffmanPprof__Label *labels = calloc(d->nsamples + 1, sizeof *labels);
	CoffmanPprof__Label **label_ptrs = calloc(d->nsamples + 1, sizeof *label_ptrs);
	/* pprof's ids are 64-bit, the neutral form's 32: widened per sample. */
	size_t nids = 0;
	for (size_t i = 0; i < d->nsamples; i++)
		nids += (size_t)d->samples[i].nlocations;
	uint64_t *ids = calloc(nids + 1, sizeof *ids);
	int64_t *values = calloc(d->nsamples * PPROF_VALUES_MAX + 1, sizeof *values);
	if (!funcs || !func_ptrs || !locs || !loc_ptrs || !lines || !line_ptrs || !samples || !sample_ptrs ||
	    !labels || !label_ptrs || !ids || !values)
		goto out;

	for (int k = 0; k < d->nvalues; k++) {
		CoffmanPprof__ValueType v = COFFMAN_PPROF__VALUE_TYPE__INIT;
		v.type = intern(&st, d->type[k]);
		v.unit = intern(&st, d->unit[k]);
		types[k] = v;
		type_ptrs[k] = &types[k];
	}
	p.n_sample_type = (size_t)d->nvalues;
	p.sample_type = type_ptrs;
	p.default_sample_type = d->nvalues ? types[d->default_type].type : 0;
	period.type = types[0].type;
	period.unit = types[0].unit;
	p.period_type = &period;
	p.period = 1;
	p.time_nanos = d->time_nanos;
	p.duration_nanos = d->duration_nanos;

	/* One mapping for everything, marked as already symbolized: pprof then shows the names given
	 * here instead of looking for the binaries. */
	mapping.id = 1;
	mapping.memory_start = 0;
	mapping.memory_limit = UINTPTR_MAX;
	mapping.filename = intern(&st, d->program);
	mapping.has_functions = mapping.has_filenames = mapping.has_line_numbers = mapping.has_inline_frames = 1;
	p.n_mapping = 1;
	p.mapping = &mapping_ptr;

	for (size_t i = 0; i < d->nfunctions; i++) {
		CoffmanPprof__Function f = COFFMAN_PPROF__FUNCTION__INIT;
		f.id = i + 1;
		f.name = f.system_name = intern(&st, d->functions[i].name);
		f.filename = intern(&st, d->functions[i].file);
		funcs[i] = f;
		func_ptrs[i] = &funcs[i];
	}
	p.n_function = d->nfunctions;
	p.function = func_ptrs;

	size_t li = 0;
	for (size_t i = 0; i < d->nlocations; i++) {
		const struct pprof_location *src = &d->locations[i];
		CoffmanPprof__Location l = COFFMAN_PPROF__LOCATION__INIT;
		l.id = i + 1;
		l.mapping_id = 1;
		l.address = src->address;
		l.n_line = (size_t)src->nlines;
		l.line = &line_ptrs[li];
		for (int k = 0; k < src->nlines; k++, li++) {
			CoffmanPprof__Line ln = COFFMAN_PPROF__LINE__INIT;
			ln.function_id = src->lines[k].function;
			ln.line = src->lines[k].line;
			lines[li] = ln;
			line_ptrs[li] = &lines[li];
		}
		locs[i] = l;
		loc_ptrs[i] = &locs[i];
	}
	p.n_location = d->nlocations;
	p.location = loc_ptrs;

	int64_t lock_key = intern(&st, "lock");
	size_t idi = 0;
	for (size_t i = 0; i < d->nsamples; i++) {
		const struct pprof_sample *src = &d->samples[i];
		CoffmanPprof__Sample s = COFFMAN_PPROF__SAMPLE__INIT;
		s.n_location_id = (size_t)src->nlocations;
		s.location_id = &ids[idi];
		for (int k = 0; k < src->nlocations; k++)
			ids[idi++] = src->locations[k];
		s.n_value = (size_t)d->nvalues;
		s.value = &values[i * PPROF_VALUES_MAX];
		memcpy(s.value, src->values, sizeof src->values);
		if (src->lock) {
			CoffmanPprof__Label lb = COFFMAN_PPROF__LABEL__INIT;
			lb.key = lock_key;
			lb.str = intern(&st, src->lock);
			labels[i] = lb;
			label_ptrs[i] = &labels[i];
			s.n_label = 1;
			s.label = &label_ptrs[i];
		}
		samples[i] = s;
		sample_ptrs[i] = &samples[i];
	}
	p.n_sample = d->nsamples;
	p.sample = sample_ptrs;
	if (st.failed)
		goto out;
	p.n_string_table = st.n;
	p.string_table = st.s;

	size = protobuf_c_message_get_packed_size(&p.base);
	if (size <= cap)
		protobuf_c_message_pack(&p.base, buf);
out:
	free(funcs);
	free(func_ptrs);
	free(locs);
	free(loc_ptrs);
	free(lines);
	free(line_ptrs);
	free(samples);
	free(sample_ptrs);
	free(labels);
	free(label_ptrs);
	free(ids);
	free(values);
	free(st.s);
	free(st.index);
	return size;
}
