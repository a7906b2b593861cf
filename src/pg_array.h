/*
 * PostgreSQL array literals ('{"a","b\"c"}') for text[] parameters, so a
 * whole batch of events travels in one query. Pure.
 */
#ifndef SSEHUB_PG_ARRAY_H
#define SSEHUB_PG_ARRAY_H

#include <stddef.h>

/* Exact length of the literal for n strings (without a NUL). */
size_t	pg_array_size(const char *const *v, const size_t *lens, size_t n);

/*
 * Writes the literal into dst, which must hold pg_array_size() bytes.
 * Every element is double-quoted; '"' and '\' are backslash-escaped.
 * Returns the number of bytes written.
 */
size_t	pg_array_encode(char *dst, const char *const *v, const size_t *lens,
	    size_t n);

#endif
