/*
 * sizes: what one idle stream holds in ssehub's own structures and in
 * Kore's, in bytes, as `make bench` prints it under the idle table. One
 * JSON line. Compiled against src/ and Kore's headers, with the
 * package's feature defines (they change struct layouts).
 *
 * Kore's allocator (mem.c) takes blocks of a power of two up to 8 KiB,
 * each with a 16-byte head, a 4-byte tail and a 32-byte pool entry;
 * its pools (pool.c) add the same entry to every element.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>

#include "sub.h"

#define POOL_ENTRY	32	/* struct kore_pool_entry, 8-aligned */

/* Bytes kore_malloc(len) takes from its block pools (len <= 8 KiB). */
static size_t
block(size_t len)
{
	size_t	size = 8;

	while (size < len)
		size <<= 1;
	return ((16 + size + 4) / 16 * 16 + POOL_ENTRY);
}

int
main(void)
{
	/* A stream of one topic: the subscriber and its one link. */
	size_t	sub = sizeof(struct sub) + sizeof(struct sub_link);

	printf("{\"sub\":%zu,\"sub_block\":%zu,\"connection\":%zu,"
	    "\"netbuf\":%zu,\"kore_per_conn\":%zu}\n", sub, block(sub),
	    sizeof(struct connection) + POOL_ENTRY,
	    sizeof(struct netbuf) + POOL_ENTRY,
	    sizeof(struct connection) + sizeof(struct netbuf) +
	    2 * POOL_ENTRY);
	return (0);
}
