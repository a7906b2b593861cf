/*
 * bus: follows the event log for this worker. A NOTIFY on channel "ssehub"
 * (sent by every append, from any node) wakes it; it reads every event
 * above the last one it saw, in id order, and hands each to the hub.
 * Workers and nodes never relay events to each other: the table is the
 * only source (Kore's inter-worker messages can reorder and double them;
 * docs/kore-4.1.md, "Messages between workers"). Ids are consecutive, so a
 * missing one is seen at once: retention removed it before this worker
 * read it, and the hub turns that into reset frames.
 */
#ifndef SSEHUB_BUS_H
#define SSEHUB_BUS_H

void	bus_init(void);
/* 1 while this worker follows the log: /healthz. */
int	bus_following(void);

#endif
