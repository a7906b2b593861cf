/* retention: trims old events (SSEHUB_RETAIN_EVENTS, _SECONDS). */
#ifndef SSEHUB_RETENTION_H
#define SSEHUB_RETENTION_H

void	retention_init(void);

#endif
