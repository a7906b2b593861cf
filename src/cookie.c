/*
 * cookie: Kore's own parser keeps only the first ten cookies of a header,
 * and an application's site may well send more than that.
 */

#include <string.h>

#include "cookie.h"

const char *
cookie_find(const char *header, const char *name, size_t *len)
{
	const char	*p, *end, *v;
	size_t		nlen = strlen(name);

	for (p = header; *p != '\0'; p = end) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) <= nlen || strncmp(p, name, nlen) != 0 ||
		    p[nlen] != '=')
			continue;

		v = p + nlen + 1;
		*len = end - v;
		while (*len > 0 && (v[*len - 1] == ' ' || v[*len - 1] == '\t'))
			(*len)--;
		if (*len >= 2 && v[0] == '"' && v[*len - 1] == '"') {
			v++;
			*len -= 2;
		}
		return (v);
	}
	return (NULL);
}
