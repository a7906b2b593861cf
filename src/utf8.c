/*
 * UTF-8 validation following RFC 3629 and Table 3-7 of the Unicode
 * standard: the allowed range of the second byte depends on the lead byte,
 * which is what rules out overlong forms, surrogates and code points above
 * U+10FFFF without decoding anything. Encoding is the shortest form, so
 * what utf8_put() writes utf8_valid() accepts.
 */

#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

struct utf8_lead {
	unsigned char	first;		/* lead byte range */
	unsigned char	last;
	unsigned char	len;		/* bytes in the sequence */
	unsigned char	lo;		/* allowed range of the second byte */
	unsigned char	hi;
};

static const struct utf8_lead	*utf8_lead_find(unsigned char);
static size_t			 utf8_sequence(const unsigned char *, size_t);

static const struct utf8_lead utf8_leads[] = {
	{ 0xc2, 0xdf, 2, 0x80, 0xbf },
	{ 0xe0, 0xe0, 3, 0xa0, 0xbf },	/* no overlongs */
	{ 0xe1, 0xec, 3, 0x80, 0xbf },
	{ 0xed, 0xed, 3, 0x80, 0x9f },	/* no surrogates */
	{ 0xee, 0xef, 3, 0x80, 0xbf },
	{ 0xf0, 0xf0, 4, 0x90, 0xbf },	/* no overlongs */
	{ 0xf1, 0xf3, 4, 0x80, 0xbf },
	{ 0xf4, 0xf4, 4, 0x80, 0x8f },	/* nothing above U+10FFFF */
};

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 off, n;

	for (off = 0; off < len; off += n) {
		if ((n = utf8_sequence(p + off, len - off)) == 0)
			return (0);
	}

	return (1);
}

size_t
utf8_put(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return (1);
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return (3);
	}

	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return (4);
}

/* Length of the valid sequence at p (avail > 0 bytes), or 0. */
static size_t
utf8_sequence(const unsigned char *p, size_t avail)
{
	const struct utf8_lead	*lead;
	size_t			 i;

	if (p[0] < 0x80)
		return (1);

	if ((lead = utf8_lead_find(p[0])) == NULL || lead->len > avail)
		return (0);

	if (p[1] < lead->lo || p[1] > lead->hi)
		return (0);

	for (i = 2; i < lead->len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	}

	return (lead->len);
}

static const struct utf8_lead *
utf8_lead_find(unsigned char c)
{
	size_t		i;

	for (i = 0; i < sizeof(utf8_leads) / sizeof(utf8_leads[0]); i++) {
		if (c >= utf8_leads[i].first && c <= utf8_leads[i].last)
			return (&utf8_leads[i]);
	}

	return (NULL);
}
