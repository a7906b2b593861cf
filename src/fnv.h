/*
 * fnv: FNV-1a, the hash of ssehub's tables. Their keys (addresses,
 * topics, token ids) come from clients and applications: a table must
 * stay usable when they collide, and none of them relies on this hash
 * being hard to attack. Pure.
 */
#ifndef SSEHUB_FNV_H
#define SSEHUB_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV_SEED	2166136261u

static inline uint32_t
fnv_bytes(uint32_t h, const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return (h);
}

static inline uint32_t
fnv_string(uint32_t h, const char *s)
{
	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return (h);
}

#endif
