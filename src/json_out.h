/*
 * json_out: JSON text for what ssehub writes back (history pages, the
 * envelope of a stream's data). Pure, no allocation: like snprintf,
 * each function returns the length the whole text needs and writes
 * only when it fits in dst (dst may be NULL to measure).
 */
#ifndef SSEHUB_JSON_OUT_H
#define SSEHUB_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A JSON string, quoted, of len bytes of s (UTF-8 passes through; '"',
 * '\' and control characters are escaped).
 */
size_t	json_out_string(char *dst, size_t dstlen, const char *s,
	    size_t len);

/*
 * {"id":N,"topic":"T","event":"E","data":"D"}; without the id when id is
 * NULL (a stream's envelope=1 data).
 */
size_t	json_out_event(char *dst, size_t dstlen, const uint64_t *id,
	    const char *topic, const char *event, const char *data,
	    size_t len);

#endif
