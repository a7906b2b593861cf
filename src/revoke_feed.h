/*
 * revoke_feed: follows ssehub.revoked into this worker's revocation set
 * (revoke.h), and has the hub end the streams of revoked tokens.
 */
#ifndef SSEHUB_REVOKE_FEED_H
#define SSEHUB_REVOKE_FEED_H

/* Asks for revocations not seen yet: on every connect, NOTIFY and tick. */
void	revoke_feed_pull(void);

#endif
