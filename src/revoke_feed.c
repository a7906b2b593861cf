/*
 * revoke_feed: a NOTIFY says a revocation committed; the bus's tick asks
 * again every second in case one was missed (a reconnect loses NOTIFYs).
 * The query runs on the log connection, ahead of the bus's read of the
 * log's head on a connect, so a worker that starts knows every
 * revocation before its streams get any event.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <stdint.h>
#include <time.h>

#include "access.h"
#include "hub.h"
#include "revoke.h"
#include "revoke_feed.h"
#include "store.h"

static void	revoke_feed_rows(int, const struct store_revocation *, size_t,
		    void *);

static uint64_t		revoke_feed_seq;	/* last row added */
static int		revoke_feed_busy;
static int		revoke_feed_again;

void
revoke_feed_pull(void)
{
	if (!access_jwt_on())
		return;
	if (revoke_feed_busy) {
		revoke_feed_again = 1;
		return;
	}
	revoke_expire((int64_t)time(NULL));
	if (store_revocations(revoke_feed_seq, revoke_feed_rows, NULL))
		revoke_feed_busy = 1;
}

static void
revoke_feed_rows(int ok, const struct store_revocation *rows, size_t n,
    void *arg)
{
	size_t		i;

	(void)arg;
	revoke_feed_busy = 0;
	for (i = 0; ok && i < n; i++) {
		if (!revoke_add(rows[i].kind, rows[i].id, rows[i].at,
		    rows[i].until))
			break;
		revoke_feed_seq = rows[i].seq;
	}
	if (i > 0)
		hub_revoked();

	if (revoke_feed_again) {
		revoke_feed_again = 0;
		revoke_feed_pull();
	}
}
