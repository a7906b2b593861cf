/*
 * The schema's migrations (sql/NNN-name.sql) for the server, and the
 * server's limits for psql, from the C headers that define them:
 *
 *   sql_embed c sql/001-x.sql ...  src/sql_migrations.c: every file's
 *                                  text in one C string, the limits in
 *                                  place of their psql variables
 *   sql_embed psql                 sql/limits.psql: the same values as
 *                                  \set lines, for psql -f by hand
 *
 * Compiled against src/, so the values are the compiler's, never parsed
 * out of a header (as tools/limits_js.c does for the JavaScript client).
 * A variable is replaced where psql would replace it: outside quotes,
 * dollar-quoted bodies and comments; one it does not know, a backslash
 * command other than "\ir limits.psql", a gap in the numbers or a file
 * that does not end its last statement fails the build.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse_frame.h"
#include "store.h"
#include "topic.h"

/* A variable as an SQL literal (:'name') or as it is (:name). */
struct sql_var {
	const char	*name;
	const char	*value;
	int		literal;
};

static const struct sql_var sql_vars[] = {
	{ "topic_pattern", "^" TOPIC_PATTERN "$", 1 },
	/* The same rule as a length and the bytes it refuses (faster). */
	{ "topic_max", TOPIC_XSTR(TOPIC_MAX), 0 },
	{ "topic_other", "[^" TOPIC_CHARS "]", 1 },
	{ "event_max", TOPIC_XSTR(SSE_EVENT_MAX), 0 },
	{ "key_window", STORE_KEY_WINDOW, 1 },
};

#define SQL_VARS	(sizeof(sql_vars) / sizeof(sql_vars[0]))
#define SQL_INCLUDE	"\\ir limits.psql"

/* What sql_embed_file() writes: the C string's text, escaped. */
struct sql_out {
	size_t		len;		/* unescaped bytes so far */
};

static int	sql_embed_c(int, char **);
static int	sql_embed_name(const char *, int, int *);
static int	sql_embed_psql(void);
static char	*sql_embed_read(const char *, size_t *);
static int	sql_embed_file(struct sql_out *, const char *, const char *,
		    size_t);
static int	sql_embed_var(struct sql_out *, const char *, const char *,
		    size_t, size_t *);
static size_t	sql_embed_dollar_tag(const char *, size_t, size_t);
static void	sql_embed_put(struct sql_out *, const char *, size_t);
static void	sql_embed_literal(struct sql_out *, const char *);
static int	sql_embed_fail(const char *, size_t, const char *, size_t,
		    const char *);

int
main(int argc, char **argv)
{
	int	rc;

	if (argc >= 3 && strcmp(argv[1], "c") == 0)
		rc = sql_embed_c(argc - 2, argv + 2);
	else if (argc == 2 && strcmp(argv[1], "psql") == 0)
		rc = sql_embed_psql();
	else {
		fprintf(stderr, "usage: sql_embed c sql/NNN-name.sql ... | "
		    "sql_embed psql\n");
		return (EXIT_FAILURE);
	}
	if (rc != 0 || ferror(stdout) || fflush(stdout) != 0)
		return (EXIT_FAILURE);
	return (EXIT_SUCCESS);
}

static int
sql_embed_psql(void)
{
	const char	*v;
	size_t		i;

	printf("-- The server's limits, written by tools/sql_embed.c from "
	    "src/topic.h,\n-- src/sse_frame.h and src/store.h when ssehub "
	    "is built: change them\n-- there, not here. The migrations "
	    "include this file (\\ir).\n");
	for (i = 0; i < SQL_VARS; i++) {
		printf("\\set %s '", sql_vars[i].name);
		/* psql reads \\ and \' as one character in quotes. */
		for (v = sql_vars[i].value; *v != '\0'; v++) {
			if (*v == '\\' || *v == '\'')
				putchar('\\');
			putchar(*v);
		}
		printf("'\n");
	}
	return (0);
}

/*
 * One string for all the files, each followed by the statement that
 * records it; migration N starts at an offset into it, so the text from
 * any migration to the last is a suffix, sent as it is.
 */
static int
sql_embed_c(int n, char **paths)
{
	struct sql_out	out = { 0 };
	size_t		*starts, len;
	char		*text, record[128];
	int		i, name;

	if ((starts = calloc((size_t)n, sizeof(*starts))) == NULL)
		return (-1);

	printf("/*\n * The migrations of sql/, written by tools/sql_embed.c "
	    "when ssehub is built,\n * with the server's limits in place of "
	    "their psql variables: change\n * those files, not this one.\n"
	    " */\n\n#include \"sql_migrations.h\"\n\n"
	    "static const char sql_migrations_text[] =\n\"");
	for (i = 0; i < n; i++) {
		if (sql_embed_name(paths[i], i + 1, &name) != 0 ||
		    (text = sql_embed_read(paths[i], &len)) == NULL)
			return (-1);
		starts[i] = out.len;
		if (sql_embed_file(&out, paths[i], text, len) != 0)
			return (-1);
		free(text);
		(void)snprintf(record, sizeof(record), "INSERT INTO "
		    "ssehub.migrations (version, name) VALUES (%d, '%.*s');\n",
		    i + 1, (int)(strlen(paths[i]) - 4 - name), paths[i] + name);
		sql_embed_put(&out, record, strlen(record));
	}
	printf("\";\n\nconst struct migration sql_migrations[] = {\n");
	for (i = 0; i < n; i++) {
		(void)sql_embed_name(paths[i], i + 1, &name);
		printf("\t{ %d, \"%.*s\", sql_migrations_text + %zu },\n",
		    i + 1, (int)(strlen(paths[i]) - 4 - name), paths[i] + name,
		    starts[i]);
	}
	printf("};\n\nconst int sql_migrations_count = %d;\n", n);
	free(starts);
	return (0);
}

/*
 * Where the name (NNN-name, without .sql) starts in path, which must be
 * migration version: numbered from 001, without a gap. Its characters
 * go into SQL and C literals: letters, digits, '-' and '_' only.
 */
static int
sql_embed_name(const char *path, int version, int *name)
{
	const char	*base, *p;
	char		want[5];

	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	(void)snprintf(want, sizeof(want), "%03d-", version);
	for (p = base; *p != '\0' && strcmp(p, ".sql") != 0; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			break;
	}
	if (strncmp(base, want, 4) != 0 || p - base < 5 ||
	    strcmp(p, ".sql") != 0) {
		fprintf(stderr, "sql_embed: %s: not sql/%s<name>.sql (numbered "
		    "from 001 without a gap; letters, digits, - and _)\n",
		    path, want);
		return (-1);
	}
	*name = (int)(base - path);
	return (0);
}

static char *
sql_embed_read(const char *path, size_t *len)
{
	FILE	*f;
	char	*text;
	long	size;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (text = malloc((size_t)size + 1)) == NULL) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return (NULL);
	}
	*len = fread(text, 1, (size_t)size, f);
	text[*len] = '\0';
	if (ferror(f) || *len != (size_t)size) {
		perror(path);
		free(text);
		text = NULL;
	}
	fclose(f);
	return (text);
}

/*
 * Copies one file, as psql's lexer reads it: quotes ('', E'' with its
 * backslashes, ""), dollar-quoted bodies and comments pass untouched;
 * elsewhere "::" is a cast, ":name" and ":'name'" are variables, and a
 * line that starts with a backslash is a psql command.
 */
static int
sql_embed_file(struct sql_out *out, const char *path, const char *s,
    size_t len)
{
	size_t		i, j, tag, depth;
	char		last = '\0';
	int		esc;

	for (i = 0; i < len;) {
		if (s[i] == '\\') {
			j = strcspn(s + i, "\n");
			if ((i > 0 && s[i - 1] != '\n') ||
			    j != strlen(SQL_INCLUDE) ||
			    strncmp(s + i, SQL_INCLUDE, j) != 0) {
				return (sql_embed_fail(path, i, s, len,
				    "only \"" SQL_INCLUDE "\" may be a psql "
				    "command"));
			}
			i += j + (i + j < len);
			continue;
		}
		j = i + 1;
		if (s[i] == '-' && i + 1 < len && s[i + 1] == '-') {
			j = i + strcspn(s + i, "\n");
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			for (depth = 1, j = i + 2; depth > 0; j++) {
				if (j + 1 >= len) {
					return (sql_embed_fail(path, i, s, len,
					    "comment not closed"));
				}
				if (s[j] == '/' && s[j + 1] == '*')
					depth++, j++;
				else if (s[j] == '*' && s[j + 1] == '/')
					depth--, j++;
			}
		} else if (s[i] == '\'' || s[i] == '"') {
			esc = s[i] == '\'' && i > 0 &&
			    (s[i - 1] == 'E' || s[i - 1] == 'e');
			/* A doubled quote is one, inside. */
			for (; j < len && (s[j] != s[i] ||
			    (j + 1 < len && s[j + 1] == s[i])); j++) {
				if ((esc && s[j] == '\\') || s[j] == s[i])
					j++;
			}
			if (j >= len) {
				return (sql_embed_fail(path, i, s, len,
				    "quote not closed"));
			}
			j++;
			last = s[i];
		} else if (s[i] == '$' &&
		    (tag = sql_embed_dollar_tag(s, len, i)) > 0) {
			for (j = i + tag; j + tag <= len &&
			    strncmp(s + j, s + i, tag) != 0; j++)
				;
			if (j + tag > len) {
				return (sql_embed_fail(path, i, s, len,
				    "dollar quote not closed"));
			}
			j += tag;
			last = '$';
		} else if (s[i] == ':' && i + 1 < len && s[i + 1] == ':') {
			j = i + 2;
		} else if (s[i] == ':') {
			if (sql_embed_var(out, path, s, len, &i) != 0)
				return (-1);
			last = 'v';
			continue;
		} else if (!isspace((unsigned char)s[i])) {
			last = s[i];
		}
		sql_embed_put(out, s + i, j - i);
		i = j;
	}
	if (last != ';')
		return (sql_embed_fail(path, len, s, len, "no ';' at the end"));
	return (0);
}

/* ":name" or ":'name'" at s[*i]: its value, and *i past it. */
static int
sql_embed_var(struct sql_out *out, const char *path, const char *s,
    size_t len, size_t *i)
{
	size_t	at = *i, n, k, v;
	int	quoted;

	quoted = at + 1 < len && s[at + 1] == '\'';
	k = at + 1 + quoted;
	for (n = 0; k + n < len && (isalnum((unsigned char)s[k + n]) ||
	    s[k + n] == '_'); n++)
		;
	if (quoted && (k + n >= len || s[k + n] != '\''))
		return (sql_embed_fail(path, at, s, len, "bad :'variable'"));
	for (v = 0; v < SQL_VARS; v++) {
		if (n == 0 || strlen(sql_vars[v].name) != n ||
		    strncmp(sql_vars[v].name, s + k, n) != 0)
			continue;
		if (quoted != sql_vars[v].literal) {
			return (sql_embed_fail(path, at, s, len, quoted ?
			    "a number, not a literal: write :name" :
			    "a literal: write :'name'"));
		}
		if (quoted)
			sql_embed_literal(out, sql_vars[v].value);
		else
			sql_embed_put(out, sql_vars[v].value,
			    strlen(sql_vars[v].value));
		*i = k + n + quoted;
		return (0);
	}
	return (sql_embed_fail(path, at, s, len, "unknown variable"));
}

/* The length of "$tag$" at s[i], or 0 ("$1" is a parameter). */
static size_t
sql_embed_dollar_tag(const char *s, size_t len, size_t i)
{
	size_t	j;

	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
		return (0);
	if (i + 1 < len && isdigit((unsigned char)s[i + 1]))
		return (0);
	for (j = i + 1; j < len && (isalnum((unsigned char)s[j]) ||
	    s[j] == '_'); j++)
		;
	return (j < len && s[j] == '$' ? j - i + 1 : 0);
}

/* As psql writes :'name': doubled quotes; backslashes make it E''. */
static void
sql_embed_literal(struct sql_out *out, const char *v)
{
	if (strchr(v, '\\') != NULL)
		sql_embed_put(out, "E", 1);
	sql_embed_put(out, "'", 1);
	for (; *v != '\0'; v++) {
		if (*v == '\'' || *v == '\\')
			sql_embed_put(out, v, 1);
		sql_embed_put(out, v, 1);
	}
	sql_embed_put(out, "'", 1);
}

/*
 * Into the C string: backslash, quote and '?' (no trigraph) escaped,
 * other bytes outside printable ASCII in octal; a line of the source is
 * a line of the string.
 */
static void
sql_embed_put(struct sql_out *out, const char *p, size_t n)
{
	unsigned char	c;
	size_t		i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '\n')
			fputs("\\n\"\n\"", stdout);
		else if (c == '\\' || c == '"' || c == '?')
			printf("\\%c", c);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c > 0x7e)
			printf("\\%03o", c);
		else
			putchar(c);
	}
	out->len += n;
}

static int
sql_embed_fail(const char *path, size_t at, const char *s, size_t len,
    const char *why)
{
	size_t	i, line = 1;

	for (i = 0; i < at && i < len; i++)
		line += s[i] == '\n';
	fprintf(stderr, "sql_embed: %s:%zu: %s\n", path, line, why);
	return (-1);
}
