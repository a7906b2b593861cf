/*
 * notice: decoding ssehub.announce()'s payloads. Every length is checked
 * against the bytes left before it is used: the payload comes from the
 * network, and the mac proves only who sent it, not that it is sane.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "notice.h"
#include "result.h"
#include "sse_frame.h"
#include "topic.h"

static int		 notice_mac_ok(const char *, const char *, size_t,
			    const char *, const char *);
static char		*notice_line(char *, const char *, size_t *);
static int		 notice_u64(const char *, size_t, uint64_t *);

int
notice_head(const char *payload, size_t len, const char *key,
    const char *origin, uint64_t *first, size_t *count, size_t *off)
{
	const char	*p, *end, *sp, *lf;
	uint64_t	n;

	if (len <= NOTICE_MAC_LEN + 1 || payload[NOTICE_MAC_LEN] != ' ')
		return (RESULT_ERROR);
	p = payload + NOTICE_MAC_LEN + 1;
	end = payload + len;
	if (notice_mac_ok(payload, p, end - p, key, origin) != RESULT_OK)
		return (RESULT_ERROR);

	if ((lf = memchr(p, '\n', end - p)) == NULL ||
	    (sp = memchr(p, ' ', lf - p)) == NULL)
		return (RESULT_ERROR);
	if (notice_u64(p, sp - p, first) != RESULT_OK || *first == 0 ||
	    notice_u64(sp + 1, lf - sp - 1, &n) != RESULT_OK || n == 0 ||
	    n > (uint64_t)(end - lf - 1) || *first - 1 > INT64_MAX - n)
		return (RESULT_ERROR);

	*count = n;
	*off = lf + 1 - payload;
	return (RESULT_OK);
}

static int
notice_mac_ok(const char *mac, const char *body, size_t len,
    const char *key, const char *origin)
{
	char	want[NOTICE_MAC_LEN + 1];

	if (notice_sign(want, body, len, key, origin) != RESULT_OK ||
	    CRYPTO_memcmp(want, mac, NOTICE_MAC_LEN) != 0)
		return (RESULT_ERROR);
	return (RESULT_OK);
}

int
notice_sign(char *mac, const char *body, size_t len, const char *key,
    const char *origin)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		in[NOTICE_KEY_MAX + EVP_MAX_MD_SIZE];
	unsigned char		md[EVP_MAX_MD_SIZE];
	unsigned int		mdlen;
	size_t			klen, i;
	EVP_MD_CTX		*ctx;
	int			ok;

	klen = strlen(key);
	if (klen == 0 || klen > NOTICE_KEY_MAX || (ctx = EVP_MD_CTX_new()) ==
	    NULL)
		return (RESULT_ERROR);
	memcpy(in, key, klen);
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, origin, strlen(origin)) &&
	    EVP_DigestUpdate(ctx, " ", 1) &&
	    EVP_DigestUpdate(ctx, body, len) &&
	    EVP_DigestFinal_ex(ctx, in + klen, &mdlen) &&
	    EVP_Digest(in, klen + mdlen, md, &mdlen, EVP_sha256(), NULL) &&
	    mdlen * 2 == NOTICE_MAC_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (RESULT_ERROR);
	for (i = 0; i < mdlen; i++) {
		mac[2 * i] = hex[md[i] >> 4];
		mac[2 * i + 1] = hex[md[i] & 0xf];
	}
	mac[NOTICE_MAC_LEN] = '\0';
	return (RESULT_OK);
}

int
notice_items(char *buf, size_t len, size_t off, uint64_t first,
    struct store_event *ev, size_t count)
{
	char		*p, *end, *next;
	size_t		i, tlen, elen, dlen;
	uint64_t	d;

	p = buf + off;
	end = buf + len;
	for (i = 0; i < count; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		ev[i].id = first + i;
		if (p < end && *p == '\n') {
			p++;
			continue;
		}
		if ((next = notice_line(p, end, &tlen)) == NULL ||
		    !topic_valid(p, tlen))
			return (RESULT_ERROR);
		ev[i].topic = p;
		p = next;
		if ((next = notice_line(p, end, &elen)) == NULL ||
		    !sse_field_valid(p, elen))
			return (RESULT_ERROR);
		ev[i].event = p;
		p = next;
		if ((next = notice_line(p, end, &dlen)) == NULL ||
		    notice_u64(p, dlen, &d) != RESULT_OK ||
		    d >= (uint64_t)(end - next) || next[d] != '\n')
			return (RESULT_ERROR);
		p = next;
		ev[i].data = p;
		ev[i].data_len = d;
		p[d] = '\0';
		p += d + 1;
	}
	return (p == end ? RESULT_OK : RESULT_ERROR);
}

/* The line at p, ended with a NUL: its length, and where the next starts. */
static char *
notice_line(char *p, const char *end, size_t *len)
{
	char	*lf;

	if (p >= end || (lf = memchr(p, '\n', end - p)) == NULL)
		return (NULL);
	*lf = '\0';
	*len = lf - p;
	return (lf + 1);
}

/* 1 to 19 digits, no sign or space. */
static int
notice_u64(const char *s, size_t len, uint64_t *v)
{
	size_t	i;

	if (len == 0 || len > 19)
		return (RESULT_ERROR);
	*v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (RESULT_ERROR);
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return (RESULT_OK);
}
