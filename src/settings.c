/*
 * settings: environment -> struct settings. Run once, in the parent.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "result.h"
#include "settings.h"

/* A number read from the environment into a field of struct settings. */
struct settings_num {
	const char	*name;
	uint64_t	 def;
	uint64_t	 min;
	uint64_t	 max;
	size_t		 off;
	size_t		 size;		/* of the field: 4 or 8 bytes */
};

#define SETTINGS_NUM(name, def, min, max, field)			\
	{ name, def, min, max, offsetof(struct settings, field),	\
	    sizeof(((struct settings *)NULL)->field) }

/* settings_store() writes size_t fields as 8 bytes. */
_Static_assert(sizeof(size_t) == sizeof(uint64_t), "size_t is 64 bits");

struct settings		settings;

static int	settings_numbers(struct settings *, char *, size_t);
static void	settings_store(struct settings *, const struct settings_num *,
		    uint64_t);
static int	settings_number(const char *, uint64_t, uint64_t, uint64_t,
		    uint64_t *, char *, size_t);
static int	settings_token(struct settings *, char *, size_t);
static int	settings_token_read(const char *, char *, size_t);
static int	settings_token_create(const char *, char *, size_t);
static int	settings_copy(char *, size_t, const char *, const char *,
		    char *, size_t);
static int	settings_var(struct settings *, const char *, char *, size_t);
static int	settings_local_db(struct settings *, char *, size_t);
static int	settings_jwt(struct settings *, char *, size_t);

static const struct settings_num	settings_nums[] = {
	SETTINGS_NUM("SSEHUB_TICK_MS", 1000, 0, 86400000, tick_ms),
	SETTINGS_NUM("SSEHUB_HEARTBEAT_MS", 15000, 100, 3600000,
	    heartbeat_ms),
	SETTINGS_NUM("SSEHUB_RETRY_MS", 2000, 100, 3600000, retry_ms),
	SETTINGS_NUM("SSEHUB_QUEUE_CAP", 1048576, 4096, 1073741824,
	    queue_cap),
	SETTINGS_NUM("SSEHUB_RING", 4096, 16, 1048576, ring_size),
	SETTINGS_NUM("SSEHUB_RETAIN_EVENTS", 0, 0, INT64_MAX, retain_events),
	SETTINGS_NUM("SSEHUB_RETAIN_SECONDS", 0, 0, 3153600000ULL,
	    retain_seconds),
	/*
	 * On by default: one address opening streams without end would
	 * take every slot. 256 leaves room for a large NAT; 0 turns it off.
	 */
	SETTINGS_NUM("SSEHUB_STREAMS_PER_IP", 256, 0, 1000000,
	    streams_per_ip),
	SETTINGS_NUM("SSEHUB_PUBLISH_RATE", 0, 0, 10000000, publish_rate),
	SETTINGS_NUM("SSEHUB_JWT_LEEWAY", 5, 0, 300, jwt_leeway),
};

int
settings_load(struct settings *s, char *err, size_t errlen)
{
	const char	*db, *var;

	memset(s, 0, sizeof(*s));

	var = getenv("SSEHUB_VAR");
	if (!settings_var(s, var != NULL ? var : "var", err, errlen))
		return (RESULT_ERROR);

	if ((db = getenv("SSEHUB_DB")) == NULL) {
		if (!settings_local_db(s, err, errlen))
			return (RESULT_ERROR);
	} else if (!settings_copy(s->db, sizeof(s->db), "SSEHUB_DB", db,
	    err, errlen)) {
		return (RESULT_ERROR);
	}

	if (!settings_numbers(s, err, errlen))
		return (RESULT_ERROR);

	if (!settings_jwt(s, err, errlen))
		return (RESULT_ERROR);
	return (settings_token(s, err, errlen));
}

/* JSON Web Tokens: one key, a secret or a PEM file (jwt_verify.h). */
static int
settings_jwt(struct settings *s, char *err, size_t errlen)
{
	const char	*names[] = { "SSEHUB_JWT_SECRET", "SSEHUB_JWT_KEY",
			    "SSEHUB_JWT_AUDIENCE", "SSEHUB_JWT_ISSUER" };
	char		*dst[] = { s->jwt_secret, s->jwt_key, s->jwt_audience,
			    s->jwt_issuer };
	size_t		len[] = { sizeof(s->jwt_secret), sizeof(s->jwt_key),
			    sizeof(s->jwt_audience), sizeof(s->jwt_issuer) };
	const char	*v;
	size_t		i;

	for (i = 0; i < 4; i++) {
		if ((v = getenv(names[i])) != NULL &&
		    !settings_copy(dst[i], len[i], names[i], v, err, errlen))
			return (RESULT_ERROR);
	}
	if (s->jwt_secret[0] != '\0' && s->jwt_key[0] != '\0') {
		(void)snprintf(err, errlen, "set SSEHUB_JWT_SECRET or "
		    "SSEHUB_JWT_KEY, not both");
		return (RESULT_ERROR);
	}

	return (RESULT_OK);
}

static int
settings_numbers(struct settings *s, char *err, size_t errlen)
{
	const struct settings_num	*n;
	uint64_t			 v;
	size_t				 i;

	for (i = 0; i < sizeof(settings_nums) / sizeof(settings_nums[0]);
	    i++) {
		n = &settings_nums[i];
		if (!settings_number(n->name, n->def, n->min, n->max, &v,
		    err, errlen))
			return (RESULT_ERROR);
		settings_store(s, n, v);
	}
	return (RESULT_OK);
}

/* v is within the field's range: settings_nums bounds every max. */
static void
settings_store(struct settings *s, const struct settings_num *n, uint64_t v)
{
	unsigned char	*field = (unsigned char *)s + n->off;
	uint32_t	 v32 = (uint32_t)v;

	if (n->size == sizeof(v32))
		memcpy(field, &v32, sizeof(v32));
	else
		memcpy(field, &v, sizeof(v));
}

static int
settings_copy(char *dst, size_t len, const char *name, const char *value,
    char *err, size_t errlen)
{
	if (strlen(value) >= len) {
		(void)snprintf(err, errlen, "%s is too long", name);
		return (RESULT_ERROR);
	}
	(void)strcpy(dst, value);
	return (RESULT_OK);
}

/*
 * The state folder, made absolute: the default conninfo names a socket
 * folder in it, and libpq takes only an absolute path for one.
 */
static int
settings_var(struct settings *s, const char *var, char *err, size_t errlen)
{
	char		cwd[SETTINGS_PATH_MAX];

	if (var[0] == '/')
		return (settings_copy(s->var, sizeof(s->var), "SSEHUB_VAR",
		    var, err, errlen));

	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(s->var, sizeof(s->var), "%s/%s", cwd, var) >=
	    sizeof(s->var)) {
		(void)snprintf(err, errlen, "SSEHUB_VAR is too long");
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

/*
 * No SSEHUB_DB: the project-local cluster that `make run` starts
 * (tests/lib/pg.sh), whose socket is in var/pgrun. When it is not
 * running, say so and what starts it, rather than retry for ever.
 */
static int
settings_local_db(struct settings *s, char *err, size_t errlen)
{
	char		sock[SETTINGS_PATH_MAX + 32];
	struct stat	st;

	if ((size_t)snprintf(s->db, sizeof(s->db), "host=%s/pgrun port=%d "
	    "dbname=ssehub user=ssehub gssencmode=disable", s->var,
	    SETTINGS_LOCAL_PORT) >= sizeof(s->db)) {
		(void)snprintf(err, errlen, "SSEHUB_VAR is too long");
		return (RESULT_ERROR);
	}

	(void)snprintf(sock, sizeof(sock), "%s/pgrun/.s.PGSQL.%d", s->var,
	    SETTINGS_LOCAL_PORT);
	if (stat(sock, &st) == -1) {
		(void)snprintf(err, errlen, "no database: SSEHUB_DB is not set "
		    "and no local PostgreSQL runs in %s/pgrun; start it with "
		    "`make db` (or `make run`), or set SSEHUB_DB", s->var);
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

static int
settings_number(const char *name, uint64_t def, uint64_t min, uint64_t max,
    uint64_t *out, char *err, size_t errlen)
{
	const char		*s;
	char			*end;
	unsigned long long	v;

	if ((s = getenv(name)) == NULL || *s == '\0') {
		*out = def;
		return (RESULT_OK);
	}

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || s[0] < '0' || s[0] > '9' ||
	    v < min || v > max) {
		(void)snprintf(err, errlen, "%s must be a number from %llu "
		    "to %llu", name, (unsigned long long)min,
		    (unsigned long long)max);
		return (RESULT_ERROR);
	}

	*out = v;
	return (RESULT_OK);
}

static int
settings_token(struct settings *s, char *err, size_t errlen)
{
	const char	*t;
	char		path[SETTINGS_PATH_MAX + 32];
	size_t		i, len;

	if ((t = getenv("SSEHUB_TOKEN")) == NULL) {
		(void)snprintf(path, sizeof(path), "%s/publish.token", s->var);
		if (settings_token_read(path, s->token, sizeof(s->token)))
			return (RESULT_OK);
		s->token_generated = 1;
		if (settings_token_create(path, s->token, sizeof(s->token)))
			return (RESULT_OK);
		(void)snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		return (RESULT_ERROR);
	}

	/* A token must fit in a header and be typed by a person. */
	len = strlen(t);
	for (i = 0; i < len; i++) {
		if (t[i] <= ' ' || t[i] > '~')
			break;
	}
	if (len < 8 || len > SETTINGS_TOKEN_MAX || i != len) {
		(void)snprintf(err, errlen, "SSEHUB_TOKEN must be 8 to %d "
		    "printable ASCII characters", SETTINGS_TOKEN_MAX);
		return (RESULT_ERROR);
	}

	(void)strcpy(s->token, t);
	return (RESULT_OK);
}

static int
settings_token_read(const char *path, char *dst, size_t len)
{
	FILE		*fp;
	size_t		n;

	if ((fp = fopen(path, "r")) == NULL)
		return (RESULT_ERROR);

	n = fread(dst, 1, len - 1, fp);
	(void)fclose(fp);
	while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == '\r'))
		n--;
	dst[n] = '\0';

	return (n >= 8 ? RESULT_OK : RESULT_ERROR);
}

static int
settings_token_create(const char *path, char *dst, size_t len)
{
	unsigned char	raw[32];
	char		dir[SETTINGS_PATH_MAX + 32], *slash;
	size_t		i;
	int		fd;
	ssize_t		r;

	if (len < sizeof(raw) * 2 + 1)
		return (RESULT_ERROR);

	/* A fresh checkout has no var/ yet (kodev run with SSEHUB_DB). */
	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return (RESULT_ERROR);
	}

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return (RESULT_ERROR);
	r = read(fd, raw, sizeof(raw));
	(void)close(fd);
	if (r != (ssize_t)sizeof(raw))
		return (RESULT_ERROR);

	for (i = 0; i < sizeof(raw); i++)
		(void)snprintf(dst + i * 2, 3, "%02x", raw[i]);

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return (RESULT_ERROR);
	r = write(fd, dst, strlen(dst));
	(void)write(fd, "\n", 1);
	(void)close(fd);

	return (r == (ssize_t)strlen(dst) ? RESULT_OK : RESULT_ERROR);
}
