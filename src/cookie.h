/* cookie: one cookie's value in a Cookie request header. Pure. */
#ifndef SSEHUB_COOKIE_H
#define SSEHUB_COOKIE_H

#include <stddef.h>

/*
 * The value of the first cookie called name in header (a Cookie request
 * header, RFC 6265 section 5.4: "a=1; b=2"), without the double quotes
 * it may be written in: a pointer into header and its length in *len.
 * NULL when there is no such cookie.
 */
const char	*cookie_find(const char *header, const char *name,
		    size_t *len);

#endif
