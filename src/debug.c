/* debug: the one switch of the traces (debug.h). */

#include <stdlib.h>
#include <string.h>

#include "debug.h"

int	debug_on;

void
debug_init(void)
{
	const char	*v;

	debug_on = (v = getenv("SSEHUB_DEBUG")) != NULL && strcmp(v, "1") == 0;
}
