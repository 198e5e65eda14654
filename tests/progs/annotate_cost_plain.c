/* The timed loop without annotations (see annotate_cost.h). */
#define COFFMAN_ANNOTATE_DISABLE
#define COST_LOOP cost_loop_plain
#include "annotate_cost.h"
