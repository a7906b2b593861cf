/*
 * Writes clients/js/ssehub-limits.js, the client's copy of the server's
 * limits, from the C headers that define them: the page and the library
 * check what the server checks, and a change to a header reaches them at
 * the next build (the Makefile's rule for that file). Compiled against
 * src/, so the values are the compiler's, never parsed out of a header.
 */

#include <stdio.h>
#include <stdlib.h>

#include "topic.h"

static void	limits_js_input_pattern(const char *);

int
main(void)
{
	printf("/*\n"
	    " * The server's limits, written by tools/limits_js.c from "
	    "src/topic.h\n"
	    " * when ssehub is built: change them there, not here.\n"
	    " */\n\n");
	printf("/** A topic name, as the server checks it. */\n"
	    "export const TOPIC = /^%s$/;\n\n", TOPIC_PATTERN);
	printf("/** The same rule for an <input pattern>. */\n"
	    "export const TOPIC_INPUT_PATTERN = '");
	limits_js_input_pattern(TOPIC_PATTERN);
	printf("';\n\n");
	printf("/** The server's limit of topics per stream. */\n"
	    "export const TOPICS_MAX = %d;\n", TOPIC_STREAM_MAX);

	return (ferror(stdout) || fflush(stdout) != 0 ? EXIT_FAILURE :
	    EXIT_SUCCESS);
}

/*
 * Browsers compile a pattern attribute with the v flag, under which a
 * '-' that is not a range must be escaped; the escape, in a JavaScript
 * string, is doubled.
 */
static void
limits_js_input_pattern(const char *re)
{
	for (; *re != '\0'; re++) {
		if (re[0] == '-' && re[1] == ']')
			fputs("\\\\", stdout);
		putchar(*re);
	}
}
