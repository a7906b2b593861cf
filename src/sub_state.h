/*
 * sub_state: the states of a subscriber and the moves between them (the
 * diagram is in sub.h). Pure: no Kore, so the table is unit-tested.
 */
#ifndef SSEHUB_SUB_STATE_H
#define SSEHUB_SUB_STATE_H

enum sub_state {
	SUB_WAITING,
	SUB_REPLAYING,
	SUB_CHECKING,
	SUB_PAUSED,
	SUB_FETCHING,
	SUB_LIVE,
	SUB_CLOSED,
	SUB_NSTATES
};

/* 1 when the diagram has the move from -> to, else 0. */
int		sub_state_can(enum sub_state from, enum sub_state to);
const char	*sub_state_name(enum sub_state);

#endif
