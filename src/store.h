/*
 * store: the event log in PostgreSQL. The only file of src/ that speaks
 * SQL; the schema is sql/ (embedded: sql_migrations.h), which it applies
 * (store_migrate_now(), and each worker's "log" connection).
 *
 * Each worker holds its own connections (store.c, store_init()): the
 * "log" one LISTENs and follows the log, "read" serves catch-ups,
 * "append" writes (group commits, outbox drains), and on worker 1
 * "maintenance" trims, vacuums and purges expired idempotency keys, and
 * "presence" shares the node's subscriber counts with the other nodes.
 */
#ifndef SSEHUB_STORE_H
#define SSEHUB_STORE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

struct store_event {
	uint64_t	id;
	const char	*topic;
	const char	*event;
	const char	*data;
	size_t		data_len;
};

struct store_rows;

/*
 * Events a commit carried in its NOTIFY (notice.h): ids first .. first +
 * count - 1, in ev[]; one with a NULL topic was too large to carry and
 * is read from the log. Whoever the hook hands it to frees it with
 * store_notice_free().
 */
struct store_notice {
	TAILQ_ENTRY(store_notice) list;		/* for the taker's use */
	uint64_t		heard;		/* ditto */
	uint64_t		gen;		/* store_log_generation() */
	uint64_t		first;
	size_t			count;
	struct store_event	*ev;
	char			*buf;		/* what ev[] points into */
	size_t			size;		/* bytes held, with ev[] */
};

struct store_hooks {
	/* The log connection is up and listening (again). */
	void	(*ready)(void);
	/* A publish committed somewhere; last is the new head id. */
	void	(*appended)(uint64_t last);
	/* ... and these are its events (or some of them): the hook owns n. */
	void	(*announced)(struct store_notice *n);
	/* An application committed events into the outbox. */
	void	(*outbox)(void);
	/* A token was revoked somewhere. */
	void	(*revoked)(void);
};

/* Which connection reads (store_fetch, store_bounds). */
#define STORE_LOG	1
#define STORE_READ	2

/* rows is NULL when the query failed; it is valid only during the call. */
typedef void	(*store_rows_cb)(const struct store_rows *, void *);
/* ok == 0 on failure. */
typedef void	(*store_bounds_cb)(int ok, uint64_t last, uint64_t trimmed,
		    void *);
typedef void	(*store_id_cb)(int ok, uint64_t id, void *);

struct store_once {
	int		ok;
	uint64_t	last;		/* ids last-count+1 .. last */
	uint64_t	count;
	int		replayed;	/* the key was used before */
	int		conflict;	/* ... with another body */
};

typedef void	(*store_once_cb)(const struct store_once *, void *);

/*
 * How long an Idempotency-Key is remembered, as an SQL interval: the
 * schema's ssehub.key_window() (tools/sql_embed.c writes it in).
 */
#define STORE_KEY_WINDOW	"24 hours"

/* A row of ssehub.revoked; kind is REVOKE_JTI or REVOKE_SUBJECT. */
struct store_revocation {
	uint64_t	seq;
	int		kind;
	const char	*id;
	int64_t		at;
	int64_t		until;
};

/* ok == 0 on failure; rows valid only during the call. */
typedef void	(*store_revoked_cb)(int ok, const struct store_revocation *,
		    size_t n, void *);

void	store_migrate_now(const char *conninfo);
void	store_init(const char *conninfo, const struct store_hooks *,
	    int maintenance);
int	store_ready(void);
int	store_append_ready(void);

/* A page: its events, and the head and trim point of its snapshot. */
size_t	store_rows_count(const struct store_rows *);
void	store_rows_get(const struct store_rows *, size_t,
	    struct store_event *);
uint64_t store_rows_head(const struct store_rows *);
uint64_t store_rows_trimmed(const struct store_rows *);

void	store_notice_free(struct store_notice *);
/*
 * Counts the log connection's connects: a notice heard on an earlier
 * one may be of another server (a failover) and is not to be handed on.
 */
uint64_t store_log_generation(void);
/*
 * An id clients may hold (handed on from a notice): after a failover,
 * numbering goes on above it (ssehub.raise_floor()). Ids read from the
 * table are counted by the store itself.
 */
void	store_saw(uint64_t id);

int	store_fetch(int which, uint64_t after, const char *topics, int limit,
	    store_rows_cb, void *);
int	store_bounds(int which, store_bounds_cb, void *);
/*
 * The most ids a query of every topic looks at (history pages, last=N):
 * a page may come back short, or empty, with more behind it.
 */
#define STORE_SCAN_SPAN		10000

int	store_history(int backward, uint64_t from, const char *topics,
	    int limit, const char *priv, const char *allow, store_rows_cb,
	    void *);
int	store_last_cursor(const char *topics, uint32_t n, const char *priv,
	    const char *allow, store_bounds_cb, void *);
int	store_presence_put(const char *node, uint64_t streams, int full,
	    const char *topics, const char *counts, store_rows_cb, void *);
size_t	store_presence_count(const struct store_rows *);
void	store_presence_get(const struct store_rows *, size_t,
	    const char **topic, uint64_t *n);
int	store_append(const char *topics, const char *events,
	    const char *data, store_id_cb, void *);
int	store_append_once(const char *key, const char *hash,
	    const char *topics, const char *events, const char *data,
	    store_once_cb, void *);
int	store_drain_outbox(store_id_cb, void *);
/* At most batch rows go per call, oldest first. */
int	store_trim(uint64_t keep, uint64_t seconds, int batch, store_id_cb,
	    void *);
int	store_purge_keys(int batch, store_id_cb, void *);
int	store_vacuum(void);
/*
 * Every revocation above seq after, oldest first, on the log connection.
 * All of them, not a page: a worker that starts must know them all
 * before the bus's first read of the log, queued behind it.
 */
int	store_revocations(uint64_t after, store_revoked_cb, void *);
/* Revokes id (a jti or a subject: kind) until (unix s; 0: a day). */
int	store_revoke(int kind, const char *id, int64_t until, store_id_cb,
	    void *);

#endif
