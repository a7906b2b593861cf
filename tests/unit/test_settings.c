#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "result.h"
#include "scratch.h"
#include "settings.h"
#include "suites.h"

#define GOOD_TOKEN	"unit-test-token"

static const char	*settings_vars[] = {
	"SSEHUB_VAR", "SSEHUB_DB", "SSEHUB_TOKEN", "SSEHUB_TICK_MS",
	"SSEHUB_HEARTBEAT_MS", "SSEHUB_RETRY_MS", "SSEHUB_QUEUE_CAP",
	"SSEHUB_RING",
};

/* A fresh folder per test, for SSEHUB_VAR. */
static char	tmpdir[512];
static char	tokenpath[sizeof(tmpdir) + 16];

/* Numbers that are taken, at the ends of their ranges. */
static const struct {
	const char	*name;
	const char	*value;
	uint64_t	 want;
} number_cases[] = {
	{ "SSEHUB_TICK_MS",		"0",		0 },
	{ "SSEHUB_TICK_MS",		"86400000",	86400000 },
	{ "SSEHUB_TICK_MS",		"007",		7 },
	{ "SSEHUB_TICK_MS",		"",		1000 },	/* default */
	{ "SSEHUB_HEARTBEAT_MS",	"100",		100 },
	{ "SSEHUB_HEARTBEAT_MS",	"3600000",	3600000 },
	{ "SSEHUB_RETRY_MS",		"100",		100 },
	{ "SSEHUB_RETRY_MS",		"3600000",	3600000 },
	{ "SSEHUB_QUEUE_CAP",		"4096",		4096 },
	{ "SSEHUB_QUEUE_CAP",		"1073741824",	1073741824 },
	{ "SSEHUB_RING",		"16",		16 },
	{ "SSEHUB_RING",		"1048576",	1048576 },
};

/* What a refused value is told. */
#define TICK_ERR	"SSEHUB_TICK_MS must be a number from 0 to 86400000"
#define HEARTBEAT_ERR	"SSEHUB_HEARTBEAT_MS must be a number from 100 to " \
			    "3600000"
#define RETRY_ERR	"SSEHUB_RETRY_MS must be a number from 100 to 3600000"
#define QUEUE_ERR	"SSEHUB_QUEUE_CAP must be a number from 4096 to " \
			    "1073741824"
#define RING_ERR	"SSEHUB_RING must be a number from 16 to 1048576"
#define TOKEN_ERR	"SSEHUB_TOKEN must be 8 to 128 printable ASCII " \
			    "characters"

/* Values that are refused, and the message. */
static const struct {
	const char	*name;
	const char	*value;
	const char	*err;
} bad_cases[] = {
	{ "SSEHUB_TICK_MS",	"86400001",		TICK_ERR },
	{ "SSEHUB_TICK_MS",	"abc",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"-1",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"+5",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	" 5",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"5 ",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"5ms",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"1e3",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"0x10",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"1.5",			TICK_ERR },
	{ "SSEHUB_TICK_MS",	"18446744073709551616",	TICK_ERR },
	{ "SSEHUB_TICK_MS",	"99999999999999999999999", TICK_ERR },
	{ "SSEHUB_HEARTBEAT_MS", "99",			HEARTBEAT_ERR },
	{ "SSEHUB_HEARTBEAT_MS", "0",			HEARTBEAT_ERR },
	{ "SSEHUB_HEARTBEAT_MS", "3600001",		HEARTBEAT_ERR },
	{ "SSEHUB_HEARTBEAT_MS", "fast",		HEARTBEAT_ERR },
	{ "SSEHUB_RETRY_MS",	"99",			RETRY_ERR },
	{ "SSEHUB_RETRY_MS",	"3600001",		RETRY_ERR },
	{ "SSEHUB_RETRY_MS",	"x",			RETRY_ERR },
	{ "SSEHUB_QUEUE_CAP",	"4095",			QUEUE_ERR },
	{ "SSEHUB_QUEUE_CAP",	"1073741825",		QUEUE_ERR },
	{ "SSEHUB_QUEUE_CAP",	"1M",			QUEUE_ERR },
	{ "SSEHUB_RING",	"15",			RING_ERR },
	{ "SSEHUB_RING",	"1048577",		RING_ERR },
	{ "SSEHUB_RING",	"-4096",		RING_ERR },
	{ "SSEHUB_TOKEN",	"",			TOKEN_ERR },
	{ "SSEHUB_TOKEN",	"1234567",		TOKEN_ERR },
	{ "SSEHUB_TOKEN",	"has a space",		TOKEN_ERR },
	{ "SSEHUB_TOKEN",	"tab\there-x",		TOKEN_ERR },
	{ "SSEHUB_TOKEN",	"newline\nx",		TOKEN_ERR },
	{ "SSEHUB_TOKEN",	"delete\x7fxx",		TOKEN_ERR },
	{ "SSEHUB_TOKEN",	"\x01\x02\x03\x04\x05\x06\x07\x08", TOKEN_ERR },
	{ "SSEHUB_TOKEN",	"caf\xc3\xa9-token",	TOKEN_ERR },
};

static void
settings_setup(void)
{
	size_t	i;

	for (i = 0; i < nitems(settings_vars); i++)
		ck_assert_int_eq(unsetenv(settings_vars[i]), 0);
	/* Most tests are not about the database: name one. */
	ck_assert_int_eq(setenv("SSEHUB_DB", "host=unit.invalid", 1), 0);

	scratch_make(tmpdir, sizeof(tmpdir), tokenpath, sizeof(tokenpath),
	    "publish.token");
}

static void
settings_teardown(void)
{
	size_t	i;

	for (i = 0; i < nitems(settings_vars); i++)
		(void)unsetenv(settings_vars[i]);
	scratch_remove(tmpdir, tokenpath);
}

static uint64_t
settings_field(const struct settings *s, const char *name)
{
	if (strcmp(name, "SSEHUB_TICK_MS") == 0)
		return (s->tick_ms);
	if (strcmp(name, "SSEHUB_HEARTBEAT_MS") == 0)
		return (s->heartbeat_ms);
	if (strcmp(name, "SSEHUB_RETRY_MS") == 0)
		return (s->retry_ms);
	if (strcmp(name, "SSEHUB_QUEUE_CAP") == 0)
		return (s->queue_cap);
	if (strcmp(name, "SSEHUB_RING") == 0)
		return (s->ring_size);
	ck_abort_msg("no field for %s", name);
	return (0);
}

/* What the local cluster of `make run` shows: its socket in var/pgrun. */
static void
local_db_make(const char *var)
{
	char	path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/pgrun", var);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	(void)snprintf(path, sizeof(path), "%s/pgrun/.s.PGSQL.5499", var);
	scratch_write(path, "");
}

static void
local_db_remove(const char *var)
{
	char	path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/pgrun/.s.PGSQL.5499", var);
	ck_assert_int_eq(unlink(path), 0);
	(void)snprintf(path, sizeof(path), "%s/pgrun", var);
	ck_assert_int_eq(rmdir(path), 0);
}

/* Unset variables: the documented defaults; var is made absolute. */
START_TEST(test_settings_defaults)
{
	struct settings	s;
	char		err[PATH_MAX + 256], cwd[PATH_MAX], var[PATH_MAX];
	char		want[PATH_MAX + 64];

	ck_assert_int_eq(unsetenv("SSEHUB_DB"), 0);
	ck_assert_int_eq(setenv("SSEHUB_TOKEN", GOOD_TOKEN, 1), 0);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_ptr_nonnull(getcwd(var, sizeof(var) - 4));
	(void)strcat(var, "/var");
	ck_assert_int_eq(mkdir(var, 0700), 0);
	local_db_make(var);

	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	local_db_remove(var);
	ck_assert_int_eq(rmdir(var), 0);
	ck_assert_int_eq(chdir(cwd), 0);

	ck_assert_uint_eq(s.tick_ms, 1000);
	ck_assert_uint_eq(s.heartbeat_ms, 15000);
	ck_assert_uint_eq(s.retry_ms, 2000);
	ck_assert_uint_eq(s.queue_cap, 1048576);
	ck_assert_uint_eq(s.ring_size, 4096);
	ck_assert_uint_eq(s.streams_per_ip, 256);
	ck_assert_str_eq(s.var, var);
	(void)snprintf(want, sizeof(want),
	    "host=%s/pgrun port=5499 dbname=ssehub", var);
	ck_assert_ptr_nonnull(strstr(s.db, want));
	ck_assert_str_eq(s.token, GOOD_TOKEN);
	ck_assert_int_eq(s.token_generated, 0);
}
END_TEST

/* The default conninfo follows SSEHUB_VAR; SSEHUB_DB replaces it. */
START_TEST(test_settings_db)
{
	struct settings	s;
	char		err[256], want[PATH_MAX + 64];

	ck_assert_int_eq(unsetenv("SSEHUB_DB"), 0);
	ck_assert_int_eq(setenv("SSEHUB_TOKEN", GOOD_TOKEN, 1), 0);
	ck_assert_int_eq(setenv("SSEHUB_VAR", tmpdir, 1), 0);
	local_db_make(tmpdir);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	local_db_remove(tmpdir);
	ck_assert_str_eq(s.var, tmpdir);
	(void)snprintf(want, sizeof(want),
	    "host=%s/pgrun port=5499 dbname=ssehub", tmpdir);
	ck_assert_ptr_nonnull(strstr(s.db, want));

	ck_assert_int_eq(setenv("SSEHUB_DB", "host=db.example dbname=x", 1),
	    0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_str_eq(s.db, "host=db.example dbname=x");

	/* A token from the environment leaves the folder alone. */
	ck_assert_int_eq(access(tokenpath, F_OK), -1);
}
END_TEST

START_TEST(test_settings_number)
{
	struct settings	s;
	char		err[256];

	ck_assert_int_eq(setenv("SSEHUB_TOKEN", GOOD_TOKEN, 1), 0);
	ck_assert_int_eq(setenv(number_cases[_i].name,
	    number_cases[_i].value, 1), 0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_uint_eq(settings_field(&s, number_cases[_i].name),
	    number_cases[_i].want);
}
END_TEST

START_TEST(test_settings_bad)
{
	struct settings	s;
	char		err[256];

	if (strcmp(bad_cases[_i].name, "SSEHUB_TOKEN") != 0)
		ck_assert_int_eq(setenv("SSEHUB_TOKEN", GOOD_TOKEN, 1), 0);
	ck_assert_int_eq(setenv("SSEHUB_VAR", tmpdir, 1), 0);
	ck_assert_int_eq(setenv(bad_cases[_i].name, bad_cases[_i].value, 1),
	    0);
	memset(err, 0, sizeof(err));
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, bad_cases[_i].err);
	ck_assert_ptr_nonnull(strstr(err, bad_cases[_i].name));
	/* A refused token is not replaced by one from the folder. */
	ck_assert_int_eq(access(tokenpath, F_OK), -1);
}
END_TEST

/* The longest and shortest tokens, every printable byte but space. */
START_TEST(test_settings_token_env)
{
	struct settings	s;
	char		err[256], t[SETTINGS_TOKEN_MAX + 2];
	size_t		i;

	for (i = 0; i < sizeof(t) - 1; i++)
		t[i] = (char)('!' + i % ('~' - '!' + 1));
	t[SETTINGS_TOKEN_MAX] = '\0';
	ck_assert_int_eq(setenv("SSEHUB_TOKEN", t, 1), 0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_str_eq(s.token, t);

	t[SETTINGS_TOKEN_MAX] = 'x';
	t[SETTINGS_TOKEN_MAX + 1] = '\0';
	ck_assert_int_eq(setenv("SSEHUB_TOKEN", t, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, TOKEN_ERR);

	ck_assert_int_eq(setenv("SSEHUB_TOKEN", "12345678", 1), 0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_str_eq(s.token, "12345678");
}
END_TEST

/* First use creates var/publish.token; the next load reads it back. */
START_TEST(test_settings_token_file)
{
	struct settings	s;
	struct stat	st;
	char		err[256], first[SETTINGS_TOKEN_MAX + 1];
	char		content[SETTINGS_TOKEN_MAX + 8];
	FILE		*fp;
	size_t		i, n;

	ck_assert_int_eq(setenv("SSEHUB_VAR", tmpdir, 1), 0);
	ck_assert_int_eq(access(tokenpath, F_OK), -1);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_int_eq(s.token_generated, 1);
	ck_assert_uint_eq(strlen(s.token), 64);
	for (i = 0; i < 64; i++) {
		ck_assert_msg(strchr("0123456789abcdef", s.token[i]) != NULL,
		    "byte %zu of %s is not lower-case hex", i, s.token);
	}

	ck_assert_int_eq(stat(tokenpath, &st), 0);
	ck_assert_msg(S_ISREG(st.st_mode), "%s is not a file", tokenpath);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_ptr_nonnull(fp = fopen(tokenpath, "r"));
	n = fread(content, 1, sizeof(content) - 1, fp);
	ck_assert_int_eq(fclose(fp), 0);
	content[n] = '\0';
	ck_assert_uint_eq(n, 65);
	ck_assert_mem_eq(content, s.token, 64);
	ck_assert_int_eq(content[64], '\n');

	(void)strcpy(first, s.token);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_int_eq(s.token_generated, 0);
	ck_assert_str_eq(s.token, first);

	/* A new file gets a new random token. */
	ck_assert_int_eq(unlink(tokenpath), 0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_int_eq(s.token_generated, 1);
	ck_assert_uint_eq(strlen(s.token), 64);
	ck_assert_str_ne(s.token, first);
}
END_TEST

/* A token file written by hand: line endings are dropped. */
START_TEST(test_settings_token_file_own)
{
	struct settings	s;
	char		err[256];

	scratch_write(tokenpath, "hand-made-token\r\n");
	ck_assert_int_eq(setenv("SSEHUB_VAR", tmpdir, 1), 0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_str_eq(s.token, "hand-made-token");
	ck_assert_int_eq(s.token_generated, 0);
}
END_TEST

/* A file with too short a token is an error, and is not overwritten. */
START_TEST(test_settings_token_file_short)
{
	struct settings	s;
	struct stat	st;
	char		err[PATH_MAX + 64], want[PATH_MAX + 64];

	scratch_write(tokenpath, "short\n");
	ck_assert_int_eq(setenv("SSEHUB_VAR", tmpdir, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	(void)snprintf(want, sizeof(want), "cannot create %s: %s",
	    tokenpath, strerror(EEXIST));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(stat(tokenpath, &st), 0);
	ck_assert_int_eq(st.st_size, 6);
}
END_TEST

/* A missing var is made, but not its missing parent. */
START_TEST(test_settings_token_file_no_dir)
{
	struct settings	s;
	char		err[PATH_MAX + 64], var[PATH_MAX], want[PATH_MAX + 64];

	(void)snprintf(var, sizeof(var), "%s/missing", tmpdir);
	ck_assert_int_eq(setenv("SSEHUB_VAR", var, 1), 0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	(void)snprintf(want, sizeof(want), "%s/publish.token", var);
	ck_assert_int_eq(unlink(want), 0);
	ck_assert_int_eq(rmdir(var), 0);

	(void)snprintf(var, sizeof(var), "%s/missing/deeper", tmpdir);
	ck_assert_int_eq(setenv("SSEHUB_VAR", var, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	(void)snprintf(want, sizeof(want),
	    "cannot create %s/publish.token: %s", var, strerror(ENOENT));
	ck_assert_str_eq(err, want);
}
END_TEST

/*
 * Neither SSEHUB_DB nor the local cluster: one line that says what is
 * missing and what starts it, before anything is written to var.
 */
START_TEST(test_settings_no_db)
{
	struct settings	s;
	char		err[PATH_MAX + 256], want[PATH_MAX + 256];

	ck_assert_int_eq(unsetenv("SSEHUB_DB"), 0);
	ck_assert_int_eq(setenv("SSEHUB_VAR", tmpdir, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	(void)snprintf(want, sizeof(want), "no database: SSEHUB_DB is not "
	    "set and no local PostgreSQL runs in %s/pgrun; start it with "
	    "`make db` (or `make run`), or set SSEHUB_DB", tmpdir);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(access(tokenpath, F_OK), -1);
}
END_TEST

/* Values longer than their buffers are refused, not truncated. */
START_TEST(test_settings_too_long)
{
	struct settings	s;
	char		err[256], *v;

	ck_assert_ptr_nonnull(v = malloc(SETTINGS_PATH_MAX + 1));
	ck_assert_int_eq(setenv("SSEHUB_TOKEN", GOOD_TOKEN, 1), 0);

	/* Fits in var, but not in the default conninfo built from it. */
	ck_assert_int_eq(unsetenv("SSEHUB_DB"), 0);
	memset(v, 'v', SETTINGS_PATH_MAX - 1);
	v[0] = '/';
	v[SETTINGS_PATH_MAX - 1] = '\0';
	ck_assert_int_eq(setenv("SSEHUB_VAR", v, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, "SSEHUB_VAR is too long");

	memset(v, 'v', SETTINGS_PATH_MAX);
	v[SETTINGS_PATH_MAX] = '\0';
	ck_assert_int_eq(setenv("SSEHUB_VAR", v, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, "SSEHUB_VAR is too long");

	/* A relative one is too long once the folder is put in front. */
	v[SETTINGS_PATH_MAX - 1] = '\0';
	ck_assert_int_eq(setenv("SSEHUB_VAR", v + 1, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, "SSEHUB_VAR is too long");
	v[SETTINGS_PATH_MAX - 1] = 'v';

	ck_assert_int_eq(unsetenv("SSEHUB_VAR"), 0);
	ck_assert_int_eq(setenv("SSEHUB_DB", v, 1), 0);
	ck_assert_int_eq(settings_load(&s, err, sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, "SSEHUB_DB is too long");

	v[SETTINGS_PATH_MAX - 1] = '\0';
	ck_assert_int_eq(setenv("SSEHUB_DB", v, 1), 0);
	ck_assert_msg(settings_load(&s, err, sizeof(err)) == RESULT_OK,
	    "refused: %s", err);
	ck_assert_str_eq(s.db, v);
	free(v);
}
END_TEST

Suite *
settings_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("settings");
	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, settings_setup, settings_teardown);
	tcase_add_test(tc, test_settings_defaults);
	tcase_add_test(tc, test_settings_db);
	tcase_add_test(tc, test_settings_no_db);
	tcase_add_loop_test(tc, test_settings_number, 0,
	    nitems(number_cases));
	tcase_add_loop_test(tc, test_settings_bad, 0, nitems(bad_cases));
	tcase_add_test(tc, test_settings_token_env);
	tcase_add_test(tc, test_settings_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("token_file");
	tcase_add_checked_fixture(tc, settings_setup, settings_teardown);
	tcase_add_test(tc, test_settings_token_file);
	tcase_add_test(tc, test_settings_token_file_own);
	tcase_add_test(tc, test_settings_token_file_short);
	tcase_add_test(tc, test_settings_token_file_no_dir);
	suite_add_tcase(s, tc);

	return (s);
}
