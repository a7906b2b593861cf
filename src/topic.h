/*
 * topic: what a topic name is. The one definition of the rule for every
 * reader of a name in C (publish bodies, /stream queries, access rules);
 * the JavaScript client and the SQL schema take theirs from these macros
 * (tools/limits_js.c writes clients/js/ssehub-limits.js from them,
 * tools/sql_embed.c the schema's CHECKs). Pure.
 */
#ifndef SSEHUB_TOPIC_H
#define SSEHUB_TOPIC_H

#include <stddef.h>

#define TOPIC_XSTR(x)		TOPIC_STR(x)
#define TOPIC_STR(x)		#x

#define TOPIC_MAX		64	/* bytes in a name */
#define TOPIC_STREAM_MAX	16	/* distinct topics one stream names */
/* The topic of a publish that names none. */
#define TOPIC_DEFAULT		"default"

/*
 * The rule as an extended regular expression (POSIX ERE, JavaScript and
 * PostgreSQL read it alike); topic_valid() is tested against it.
 */
#define TOPIC_CHARS		"A-Za-z0-9._-"	/* a bracket expression's */
#define TOPIC_PATTERN		"[" TOPIC_CHARS "]{1," TOPIC_XSTR(TOPIC_MAX) "}"

/* 1 when s (len bytes) is a valid topic name, else 0. */
int	topic_valid(const char *s, size_t len);

#endif
