/*
 * ssehub: start-up. Kore calls these hooks; everything else lives in the
 * file named for its concern (see README.md, "Architecture").
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/seccomp.h>

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "access.h"
#include "acl.h"
#include "bus.h"
#include "debug.h"
#include "hub.h"
#include "prealloc.h"
#include "presence.h"
#include "presence_sync.h"
#include "quota.h"
#include "retention.h"
#include "settings.h"
#include "stats.h"
#include "store.h"
#include "ticker.h"
#include "tls.h"

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);
void	kore_worker_teardown(void);
int	ssehub_onload(int);

static int	ssehub_presence(void);

/*
 * libpq needs these beyond Kore's list (docs/kore-4.1.md, "Seccomp and
 * libpq"): stat via newfstatat, and getdents64 for its GSSAPI probe; and
 * mremap, with which glibc grows a block it mapped on its own (over 128
 * KiB): libpq's output buffer, when a group commit's query outgrows the
 * last one (a worker was killed with SIGSYS: publish.test.mjs).
 */
KORE_SECCOMP_FILTER("ssehub",
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(sendmsg),
	KORE_SYSCALL_ALLOW(recvmsg),
	KORE_SYSCALL_ALLOW(shutdown)
);

void
kore_parent_configure(int argc, char **argv)
{
	char		err[SETTINGS_PATH_MAX + 256];

	(void)argc;
	(void)argv;

	debug_init();

	if (!settings_load(&settings, err, sizeof(err)))
		fatalx("configuration: %s", err);
	if (!stats_init())
		fatalx("cannot map shared statistics");
	if (!acl_load(&acl, getenv("SSEHUB_ACL"), settings.token, err,
	    sizeof(err)))
		fatalx("access rules: %s", err);
	if (!access_init(&settings, err, sizeof(err)))
		fatalx("access tokens: %s", err);
	if (!quota_init(access_buckets()))
		fatalx("cannot map shared limits");
	if (!ssehub_presence())
		fatalx("cannot map shared presence counts");
	/* jansson seeds its hashes from /dev/urandom: not in the chroot. */
	json_object_seed(0);
	if (access_jwt_on()) {
		kore_log(LOG_NOTICE, "JSON Web Tokens accepted (%s key)",
		    access_jwt_kind());
	}
	if (!tls_load_keys())
		fatalx("cannot load TLS keys (`make cert` makes a pair for "
		    "development)");
	store_migrate_now(settings.db);
	prealloc_parent();

	/* Logs keep secrets for ever: the token is shown once, when made. */
	if (settings.token_generated) {
		kore_log(LOG_NOTICE, "publish token (new, kept in "
		    "%s/publish.token): %s", settings.var, settings.token);
	} else if (getenv("SSEHUB_TOKEN") == NULL) {
		kore_log(LOG_NOTICE, "publish token: in %s/publish.token",
		    settings.var);
	}
}

/*
 * This node's name among the nodes sharing the database: new at every
 * start, so a restarted node never adds to its former self's counts
 * (those expire with its heartbeat).
 */
static int
ssehub_presence(void)
{
	u_int8_t	r[8];
	char		node[PRESENCE_NODE_LEN + 1];
	size_t		i;

	arc4random_buf(r, sizeof(r));
	for (i = 0; i < sizeof(r); i++)
		(void)snprintf(node + i * 2, 3, "%02x", r[i]);
	return (presence_init(node));
}

void
kore_worker_configure(void)
{
	prealloc_worker();
	tls_worker_init();
	hub_init();
	bus_init();
	ticker_init();
	retention_init();
	presence_sync_init();
}

void
kore_worker_teardown(void)
{
	hub_shutdown();
}

/*
 * Reloading the module under live streams and timers crashed a worker
 * (docs/kore-4.1.md, "Module reload"): refuse, and restart instead.
 */
int
ssehub_onload(int action)
{
	if (action == KORE_MODULE_UNLOAD) {
		kore_log(LOG_NOTICE, "reload refused: restart ssehub instead");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}
