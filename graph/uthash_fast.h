/* uthash with a cheap hash for the 8-byte keys (lock addresses, graph keys) of the hot tables.
 *
 * uthash's default (Jenkins) costs about as much as the cache miss it precedes; an address needs only
 * its bits mixed down into the low ones uthash uses for the bucket.  Other key lengths keep Jenkins.
 * Include this instead of <uthash.h>.
 */
#ifndef COFFMAN_UTHASH_FAST_H
#define COFFMAN_UTHASH_FAST_H

#include <stdint.h>
#include <string.h>

static inline unsigned uthash_fast_mix64(const void *key)
{
	uint64_t k;
	memcpy(&k, key, sizeof k);
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (unsigned)k;
}

#define HASH_FUNCTION(keyptr, keylen, hashv)                                   \
	do {                                                                   \
		if ((keylen) == 8)                                             \
			(hashv) = uthash_fast_mix64(keyptr);                   \
		else                                                           \
			HASH_JEN(keyptr, keylen, hashv);                       \
	} while (0)

#include <uthash.h>

#endif
