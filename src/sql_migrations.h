/*
 * The schema's migrations, sql/NNN-name.sql, embedded when ssehub is
 * built: tools/sql_embed.c writes sql_migrations.c from them, with the
 * server's limits (topic.h, sse_frame.h, store.h) in place of their psql
 * variables. store.c applies them.
 */
#ifndef SSEHUB_SQL_MIGRATIONS_H
#define SSEHUB_SQL_MIGRATIONS_H

struct migration {
	int		version;	/* N of sql/NNN-name.sql; 1, 2, ... */
	const char	*name;		/* NNN-name */
	/*
	 * This migration's text, each statement as in its file, then every
	 * later one's: each followed by the INSERT that records it in
	 * ssehub.migrations. One transaction, by the simple protocol.
	 */
	const char	*sql;
};

extern const struct migration	sql_migrations[];
extern const int		sql_migrations_count;

#endif
