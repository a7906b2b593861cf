/*
 * UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF): checking
 * bytes, and encoding a code point.
 */
#ifndef SSEHUB_UTF8_H
#define SSEHUB_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the len bytes at s are valid UTF-8, else 0. */
int	utf8_valid(const char *s, size_t len);
/*
 * Writes code point cp (at most U+10FFFF, not a surrogate) at dst, which
 * has room for 4 bytes; returns how many it wrote.
 */
size_t	utf8_put(char *dst, uint32_t cp);

#endif
