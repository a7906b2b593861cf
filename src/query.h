/* application/x-www-form-urlencoded query strings. Pure. */
#ifndef SSEHUB_QUERY_H
#define SSEHUB_QUERY_H

#include <stddef.h>

/*
 * Calls cb once for each occurrence of name in qs (may be NULL), in
 * order, with the percent- and '+'-decoded value (NUL-terminated; len
 * excludes the NUL). Values longer than QUERY_VALUE_MAX bytes, bad
 * percent escapes, or a decoded NUL are malformed. Stops at the first
 * cb that returns RESULT_ERROR.
 * Returns RESULT_OK, or RESULT_ERROR when qs is malformed or cb failed.
 */
/* Kore refuses a request target of 2000 bytes: a value is shorter. */
#define QUERY_VALUE_MAX		2000

int	query_foreach(const char *qs, const char *name,
	    int (*cb)(const char *, size_t, void *), void *arg);

#endif
