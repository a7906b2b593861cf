/*
 * revoke: the revoked token ids (jti) and subjects (sub) a worker knows
 * of, loaded from ssehub.revoked by bus.c. A revoked subject refuses the
 * tokens of that subject issued (iat) at or before the revocation, and
 * those that do not say when they were issued. Each entry is dropped
 * once its `until` has passed. Pure: no Kore.
 */
#ifndef SSEHUB_REVOKE_H
#define SSEHUB_REVOKE_H

#include <stdint.h>

#define REVOKE_JTI		1
#define REVOKE_SUBJECT		2

struct grant;

int	revoke_add(int kind, const char *id, int64_t at, int64_t until);
/* 1 when g is revoked at now. */
int	revoke_matches(const struct grant *, int64_t now);
/* Drops what expired by now. */
void	revoke_expire(int64_t now);
size_t	revoke_count(void);
void	revoke_clear(void);

#endif
