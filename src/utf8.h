/* UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef SSEHUB_UTF8_H
#define SSEHUB_UTF8_H

#include <stddef.h>

/* 1 when the len bytes at s are valid UTF-8, else 0. */
int	utf8_valid(const char *s, size_t len);

#endif
