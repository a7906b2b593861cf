/*
 * settings: ssehub's configuration, read from the environment once in
 * the parent before the workers fork. Pure: no Kore.
 */
#ifndef SSEHUB_SETTINGS_H
#define SSEHUB_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#define SETTINGS_TOKEN_MAX	128
#define SETTINGS_PATH_MAX	1024
#define SETTINGS_NAME_MAX	256
#define SETTINGS_LOCAL_PORT	5499	/* make run's cluster (Makefile) */

struct settings {
	char		db[SETTINGS_PATH_MAX];		/* libpq conninfo */
	char		var[SETTINGS_PATH_MAX];		/* state folder */
	char		token[SETTINGS_TOKEN_MAX + 1];
	int		token_generated;
	uint32_t	tick_ms;		/* 0: no ticker */
	uint32_t	heartbeat_ms;
	uint32_t	retry_ms;
	size_t		queue_cap;		/* bytes per subscriber */
	size_t		ring_size;		/* events kept in memory */
	uint64_t	retain_events;		/* 0: keep all */
	uint64_t	retain_seconds;		/* 0: keep all */
	uint32_t	streams_per_ip;		/* 0: no limit */
	uint32_t	publish_rate;		/* events/s per token, 0: none */
	char		jwt_secret[SETTINGS_PATH_MAX];	/* "": none */
	char		jwt_key[SETTINGS_PATH_MAX];	/* PEM file; "": none */
	char		jwt_audience[SETTINGS_NAME_MAX]; /* "": any */
	char		jwt_issuer[SETTINGS_NAME_MAX];	/* "": any */
	uint32_t	jwt_leeway;		/* seconds */
};

extern struct settings	settings;

/*
 * Fills settings from SSEHUB_* variables (see README.md). When
 * SSEHUB_TOKEN is unset, reads var/publish.token, creating it (mode
 * 0600, 32 random bytes in hex) on first use. Returns RESULT_ERROR with a
 * message in err when a value is invalid.
 */
int	settings_load(struct settings *, char *err, size_t errlen);

#endif
