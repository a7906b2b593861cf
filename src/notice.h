/*
 * notice: the payload of a NOTIFY on channel ssehub_log, in which a
 * commit carries its own events (ssehub.announce()), so that a worker
 * that is up to date delivers them without reading them back from the
 * table. Pure.
 *
 *   payload = key SP first SP count LF item{count}
 *   item    = topic LF event LF dlen LF data LF
 *           | LF          (too large to carry: read it from the table)
 *
 * Ids are consecutive from first. The key is ssehub.bus_key's, which
 * only ssehub's role can read: any role that may connect can NOTIFY, and
 * a payload without the key must not put events in front of clients
 * that are not in the log.
 */
#ifndef SSEHUB_NOTICE_H
#define SSEHUB_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define NOTICE_KEY_MAX		64
/* PostgreSQL refuses a longer NOTIFY payload. */
#define NOTICE_PAYLOAD_MAX	8000

/*
 * Reads the head of payload (len bytes): RESULT_OK when it starts with
 * key and a well-formed first and count, with *off at the first item.
 * count is at most the bytes left (an item takes at least one).
 */
int	notice_head(const char *payload, size_t len, const char *key,
	    uint64_t *first, size_t *count, size_t *off);

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

#endif
