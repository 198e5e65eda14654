/* prof_clock: the contention profile's timestamps, cheap enough to take around every contended wait.
 *
 * Contract: prof_clock_init() once at load, when profiling is on; prof_ticks() from anywhere, no lock,
 * no system call; tick differences become nanoseconds with prof_ticks_to_ns() after
 * prof_clock_calibrate() (at output, not on any lock path).
 *
 * Why not clock_gettime: through the vDSO it costs about 33 ns on the reference VM, rdtsc about 13 ns,
 * and the profile takes two per contended wait plus two per timed hold.  The time-stamp counter is
 * used only when the CPU says it is invariant (/proc/cpuinfo lists constant_tsc and nonstop_tsc: it
 * ticks at one rate whatever the frequency or sleep state, and Linux keeps it in step across CPUs)
 * and a quick check at load finds it no slower than clock_gettime (a hypervisor may trap rdtsc);
 * otherwise ticks are CLOCK_MONOTONIC nanoseconds.  The rate is not known in advance: it is measured
 * against CLOCK_MONOTONIC over the whole time since load, so no start-up delay is spent calibrating.
 */
#ifndef COFFMAN_PROF_CLOCK_H
#define COFFMAN_PROF_CLOCK_H

#include <stdint.h>

#include "threads.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define PROF_CLOCK_HAVE_TSC 1
#else
#define PROF_CLOCK_HAVE_TSC 0
#endif

extern int prof_clock_tsc;              /* 1: ticks are TSC cycles; 0: nanoseconds */

static inline uint64_t prof_ticks(void)
{
#if PROF_CLOCK_HAVE_TSC
	if (__builtin_expect(prof_clock_tsc, 1))
		return __rdtsc();
#endif
	return now_ns();
}

void prof_clock_init(void);
/* Measure the tick rate now (against CLOCK_MONOTONIC, since load): for the conversions that follow. */
void prof_clock_calibrate(void);
uint64_t prof_ticks_to_ns(uint64_t ticks);

#endif
