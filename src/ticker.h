/* ticker: the built-in demo publisher (topic "system"). */
#ifndef SSEHUB_TICKER_H
#define SSEHUB_TICKER_H

void	ticker_init(void);

#endif
