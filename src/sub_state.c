/*
 * sub_state: the move table. A subscriber leaves LIVE only to close,
 * and nothing leaves CLOSED: those two rows are what keep a live stream
 * from ever being sent back into catch-up.
 */

#include <stddef.h>

#include "sub_state.h"

#define S(x)	(1u << (x))

static const unsigned int sub_state_moves[SUB_NSTATES] = {
	[SUB_WAITING] = S(SUB_REPLAYING) | S(SUB_CLOSED),
	[SUB_REPLAYING] = S(SUB_WAITING) | S(SUB_CHECKING) | S(SUB_PAUSED) |
	    S(SUB_FETCHING) | S(SUB_LIVE) | S(SUB_CLOSED),
	[SUB_CHECKING] = S(SUB_REPLAYING) | S(SUB_WAITING) | S(SUB_LIVE) |
	    S(SUB_CLOSED),
	[SUB_PAUSED] = S(SUB_REPLAYING) | S(SUB_CLOSED),
	[SUB_FETCHING] = S(SUB_REPLAYING) | S(SUB_WAITING) | S(SUB_CLOSED),
	[SUB_LIVE] = S(SUB_CLOSED),
	[SUB_CLOSED] = 0,
};

static const char *const sub_state_names[SUB_NSTATES] = {
	[SUB_WAITING] = "waiting",
	[SUB_REPLAYING] = "replaying",
	[SUB_CHECKING] = "checking",
	[SUB_PAUSED] = "paused",
	[SUB_FETCHING] = "fetching",
	[SUB_LIVE] = "live",
	[SUB_CLOSED] = "closed",
};

int
sub_state_can(enum sub_state from, enum sub_state to)
{
	if ((unsigned int)from >= SUB_NSTATES ||
	    (unsigned int)to >= SUB_NSTATES)
		return (0);
	return ((sub_state_moves[from] & S(to)) != 0);
}

const char *
sub_state_name(enum sub_state st)
{
	if ((unsigned int)st >= SUB_NSTATES)
		return ("invalid");
	return (sub_state_names[st]);
}
