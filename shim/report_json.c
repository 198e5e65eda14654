#include "report.h"

void report_format_json(const struct report *r, struct outbuf *ob)
{
	report_format_text(r, ob);
}
