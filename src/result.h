/*
 * Return values of ssehub's pure modules. They have the values of Kore's
 * KORE_RESULT_OK and KORE_RESULT_ERROR so glue code can pass them through,
 * but this header includes nothing from Kore: the pure modules are unit
 * tested without it.
 */
#ifndef SSEHUB_RESULT_H
#define SSEHUB_RESULT_H

#define RESULT_ERROR	0
#define RESULT_OK	1

#endif
