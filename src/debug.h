/*
 * debug: traces of a subscriber's life and of every database round trip,
 * off unless SSEHUB_DEBUG=1 (read once in the parent, before the workers
 * fork). As Kore's own kore_debug(), but a switch of the environment, not
 * of the build: a production binary can be watched too.
 */
#ifndef SSEHUB_DEBUG_H
#define SSEHUB_DEBUG_H

extern int	debug_on;

void	debug_init(void);

#define DEBUG(...)							\
	do {								\
		if (debug_on)						\
			kore_log(LOG_DEBUG, __VA_ARGS__);		\
	} while (0)

#endif
