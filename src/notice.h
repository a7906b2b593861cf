/*
 * notice: the payload of a NOTIFY on channel ssehub_log, in which a
 * commit carries its own events (ssehub.announce()), so that a worker
 * that is up to date delivers them without reading them back from the
 * table. Pure.
 *
 *   payload = mac SP body
 *   body    = first SP count LF item{count}
 *   item    = topic LF event LF dlen LF data LF
 *           | LF          (too large to carry: read it from the table)
 *   mac     = hex(SHA-256(key || SHA-256(origin SP body)))
 *   origin  = pid SP start
 *
 * origin is not sent: it is the sending backend's pid (every notification
 * carries it) and the database server's start (extract(epoch FROM
 * pg_postmaster_start_time()), read once per connection). A payload seen
 * by a listener and sent again from its own session, or to another
 * server (a promoted standby that lacks those ids), does not pass.
 *
 * Ids are consecutive from first. Any role that may connect can LISTEN
 * and NOTIFY on any channel, so the payload is seen by all and proves
 * nothing by itself: the mac does, with the key of ssehub.bus_key, which
 * only ssehub's role can read. (The inner hash makes the outer input of
 * fixed length, so SHA-256's length extension gives a forger nothing.)
 */
#ifndef SSEHUB_NOTICE_H
#define SSEHUB_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define NOTICE_KEY_MAX		128
#define NOTICE_MAC_LEN		64	/* hex digits */
/* PostgreSQL refuses a longer NOTIFY payload. */
#define NOTICE_PAYLOAD_MAX	8000

/*
 * Reads the head of payload (len bytes): RESULT_OK when its mac is right
 * for key and first and count are well formed, with *off at the first
 * item. count is at most the bytes left (an item takes at least one).
 */
int	notice_head(const char *payload, size_t len, const char *key,
	    const char *origin, uint64_t *first, size_t *count, size_t *off);

/*
 * Decodes count items from buf + off (len bytes in all) into ev[0 ..
 * count - 1], ids from first, writing NULs over the separators so that
 * topic, event and data end in one. An item too large to carry has a
 * NULL topic. RESULT_OK only when there are exactly count well-formed
 * items (a valid topic, an SSE-safe event name, a data length that fits)
 * and nothing after them.
 */
int	notice_items(char *buf, size_t len, size_t off, uint64_t first,
	    struct store_event *ev, size_t count);

/*
 * Writes body's mac with key and origin into mac (NOTICE_MAC_LEN + 1 bytes, ended
 * with a NUL). RESULT_ERROR for an empty or too long key.
 */
int	notice_sign(char *mac, const char *body, size_t len, const char *key,
	    const char *origin);

#endif
