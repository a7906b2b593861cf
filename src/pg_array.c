/*
 * pg_array: text[] literals. Quoting every element keeps the rules to
 * two: escape '"' and '\', and wrap in quotes; NULL, braces, commas and
 * white space then need no care at all.
 */

#include <stddef.h>

#include "pg_array.h"

static size_t	pg_array_elem_size(const char *, size_t);

size_t
pg_array_size(const char *const *v, const size_t *lens, size_t n)
{
	size_t		i, total;

	total = 2;			/* { } */
	for (i = 0; i < n; i++)
		total += pg_array_elem_size(v[i], lens[i]) + (i > 0);

	return (total);
}

size_t
pg_array_encode(char *dst, const char *const *v, const size_t *lens,
    size_t n)
{
	size_t		i, j;
	char		*p;

	p = dst;
	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (j = 0; j < lens[i]; j++) {
			if (v[i][j] == '"' || v[i][j] == '\\')
				*p++ = '\\';
			*p++ = v[i][j];
		}
		*p++ = '"';
	}
	*p++ = '}';

	return ((size_t)(p - dst));
}

static size_t
pg_array_elem_size(const char *s, size_t len)
{
	size_t		i, total;

	total = len + 2;
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			total++;
	}

	return (total);
}
