#!/bin/sh
# The deadlock example suite: every example in examples/verdicts gets its expected verdict and exit
# status under the checker (the same runner `make examples` uses).
exec "$top_srcdir/examples/run-suite" --quiet --builddir "$top_builddir"
