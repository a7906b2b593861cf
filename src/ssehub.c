/*
 * ssehub: start-up. Kore calls these hooks; everything else lives in the
 * file named for its concern (see README.md, "Architecture").
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/seccomp.h>

#include <stdio.h>
#include <stdlib.h>

#include "acl.h"
#include "bus.h"
#include "hub.h"
#include "prealloc.h"
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

/*
 * libpq needs these beyond Kore's list (field notes, defect 2): stat via
 * newfstatat, and getdents64 for its GSSAPI probe.
 */
KORE_SECCOMP_FILTER("ssehub",
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

	if (!settings_load(&settings, err, sizeof(err)))
		fatalx("configuration: %s", err);
	if (!stats_init())
		fatalx("cannot map shared statistics");
	if (!acl_load(&acl, getenv("SSEHUB_ACL"), settings.token, err,
	    sizeof(err)))
		fatalx("access rules: %s", err);
	if (!quota_init(acl.nrules + 1))
		fatalx("cannot map shared limits");
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

void
kore_worker_configure(void)
{
	prealloc_worker();
	tls_worker_init();
	hub_init();
	bus_init();
	ticker_init();
	retention_init();
}

void
kore_worker_teardown(void)
{
	hub_shutdown();
}

/*
 * Reloading the module under live streams and timers crashed a worker
 * (field notes, defect 8): refuse, and restart instead.
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
