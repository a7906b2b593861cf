/*
 * An asynchronous libpq connection inside Kore's event loop.
 *
 * Kore's own pgsql layer does not notice a PostgreSQL restart on LISTEN
 * connections and never health-checks pooled connections
 * (docs/kore-4.1.md, "PostgreSQL connections"), so ssehub drives libpq
 * itself: one non-blocking connection, a FIFO of queries, notifications
 * handed to a callback, and a reconnect with backoff whenever the server
 * goes away.
 */
#ifndef SSEHUB_DB_H
#define SSEHUB_DB_H

#include <libpq-fe.h>

struct db;

/*
 * Called once per query: res is the result (owned by db, valid only
 * during the call) or NULL when the query failed or the connection was
 * lost before it completed.
 */
typedef void	(*db_result_cb)(PGresult *res, void *arg);

struct db_hooks {
	/* The connection is (re)established and idle. */
	void	(*ready)(void *arg);
	/* A NOTIFY arrived (channel, payload). */
	/* channel, payload, the sending backend's pid */
	void	(*notify)(const char *, const char *, int, void *arg);
	void	*arg;
};

struct db	*db_alloc(const char *name, const char *conninfo,
		    const struct db_hooks *);
void		db_start(struct db *);
int		db_is_ready(struct db *);
int		db_query(struct db *, const char *sql, int nparams,
		    const char *const *values, const int *lengths,
		    db_result_cb, void *arg);

#endif
