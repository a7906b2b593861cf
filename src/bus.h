/*
 * bus: follows the event log for this worker. A NOTIFY on channel
 * "ssehub" (sent by every append, from any node) wakes it; it reads
 * every event above the last one it saw, in id order, and hands each to
 * the hub. Workers and nodes never relay events to each other: the
 * table is the only source, which makes order, gaps and duplicates a
 * non-issue (Kore's inter-worker messages can reorder and double them;
 * field notes).
 */
#ifndef SSEHUB_BUS_H
#define SSEHUB_BUS_H

void	bus_init(void);

#endif
