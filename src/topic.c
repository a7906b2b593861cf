/*
 * The topic rule: ASCII letters, digits, '.', '_' and '-', 1 to TOPIC_MAX
 * bytes. Names go into file-like places (logs, SQL, URLs, the client's
 * storage keys), so the set is small and needs no escaping anywhere.
 */

#include <stddef.h>
#include <string.h>

#include "topic.h"

int
topic_valid(const char *s, size_t len)
{
	size_t		i;

	if (s == NULL || len == 0 || len > TOPIC_MAX)
		return (0);

	/* NUL is tested first: strchr() would find the terminator. */
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) == NULL)
			return (0);
	}

	return (1);
}
