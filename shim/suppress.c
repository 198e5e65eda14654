#include "suppress.h"

int suppress_load(const char *path) { (void)path; return 0; }
int suppress_matches(const struct report *r) { (void)r; return 0; }
void sarif_record(const struct report *r) { (void)r; }
void sarif_write_at_exit(void) {}
