/*
 * commit: group commit of publishes. Jobs that arrive while a transaction
 * is in flight wait and then go together in the next one, so the
 * acknowledged rate is bounded by PostgreSQL's throughput, not by one
 * round trip per request. A job is acknowledged only after COMMIT.
 */
#ifndef SSEHUB_COMMIT_H
#define SSEHUB_COMMIT_H

#include <sys/queue.h>

#include <stdint.h>

#include "publish_body.h"

#define COMMIT_PENDING	0
#define COMMIT_OK	1
#define COMMIT_FAILED	2
#define COMMIT_CONFLICT	3	/* idempotency key reused, other body */

#define COMMIT_HASH_LEN	64	/* hex SHA-256 */

struct commit_job {
	TAILQ_ENTRY(commit_job)	list;
	struct publish_body	body;	/* owned by the job's creator */
	int			status;
	uint64_t		first;	/* ids first .. first+count-1 */
	const char		*key;	/* Idempotency-Key or NULL */
	char			hash[COMMIT_HASH_LEN + 1];
	int			replayed;	/* answered from the key */
	void			(*done)(struct commit_job *);
	void			*arg;
};

/*
 * Hands job to the committer. done(job) runs exactly once, when status
 * is final; it may run before commit_submit() returns (the database is
 * down). The job must stay allocated until then. A job with a key is
 * committed on its own, claiming the key in the same transaction.
 */
void	commit_submit(struct commit_job *);

#endif
