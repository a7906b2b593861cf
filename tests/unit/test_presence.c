#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "presence.h"
#include "result.h"
#include "suites.h"

struct seen {
	char		names[8][70];
	uint32_t	counts[8];
	size_t		n;
};

static void
seen_add(const char *name, uint32_t n, void *arg)
{
	struct seen	*s = arg;

	ck_assert_uint_lt(s->n, 8);
	(void)strcpy(s->names[s->n], name);
	s->counts[s->n++] = n;
}

static void
seen_total(const char *name, uint64_t n, void *arg)
{
	(void)name;
	*(uint64_t *)arg += n;
}

static int	presence_mapped;

static void
presence_setup(void)
{
	if (!presence_mapped)
		ck_assert_int_eq(presence_init("node-a"), RESULT_OK);
	presence_mapped = 1;
	/* A clean table: every worker column zeroed, all written. */
	presence_worker_start(2);
	presence_worker_start(1);
	presence_remote(NULL, NULL, 0, 0, 1);
	(void)presence_changes(1, seen_add, &(struct seen){ .n = 0 });
}

START_TEST(test_presence_workers)
{
	presence_setup();
	ck_assert_str_eq(presence_node(), "node-a");
	presence_enter("chat");
	presence_enter("chat");
	presence_worker_start(2);	/* another worker, same table */
	presence_enter("chat");
	ck_assert_uint_eq(presence_count("chat", 1000), 3);
	presence_leave("chat");
	presence_leave("nothing");
	ck_assert_uint_eq(presence_count("chat", 1000), 2);
	/* Worker 2 dies and starts again: its streams leave the count. */
	presence_enter("chat");
	presence_worker_start(2);
	ck_assert_uint_eq(presence_count("chat", 1000), 2);
	presence_worker_start(1);
	ck_assert_uint_eq(presence_count("chat", 1000), 0);
}
END_TEST

START_TEST(test_presence_changes)
{
	struct seen	s;

	presence_setup();
	presence_enter("a");
	presence_enter("b");
	memset(&s, 0, sizeof(s));
	ck_assert_uint_eq(presence_changes(0, seen_add, &s), 2);
	memset(&s, 0, sizeof(s));
	ck_assert_uint_eq(presence_changes(0, seen_add, &s), 0);
	presence_leave("a");
	memset(&s, 0, sizeof(s));
	ck_assert_uint_eq(presence_changes(0, seen_add, &s), 1);
	ck_assert_str_eq(s.names[0], "a");
	ck_assert_uint_eq(s.counts[0], 0);	/* a zero is written too */
	/* Full: every watched topic, zeros left out (the rows go). */
	memset(&s, 0, sizeof(s));
	ck_assert_uint_eq(presence_changes(1, seen_add, &s), 1);
	ck_assert_str_eq(s.names[0], "b");
	presence_leave("b");
}
END_TEST

START_TEST(test_presence_remote)
{
	const char	*topics[] = { "chat", "far" };
	uint64_t	counts[] = { 5, 2 }, total = 0;

	presence_setup();
	presence_enter("chat");
	presence_remote(topics, counts, 2, 9, 10000);
	ck_assert_uint_eq(presence_count("chat", 10000), 6);
	ck_assert_uint_eq(presence_count("far", 12000), 2);
	ck_assert_uint_eq(presence_remote_streams(12000), 9);
	presence_foreach(12000, seen_total, &total);
	ck_assert_uint_eq(total, 8);
	/* Not read again for too long: the other nodes' counts expire. */
	ck_assert_uint_eq(presence_count("chat", 10000 + PRESENCE_STALE_MS +
	    1), 1);
	ck_assert_uint_eq(presence_remote_streams(10000 + PRESENCE_STALE_MS +
	    1), 0);
	presence_leave("chat");
}
END_TEST

/*
 * A full table counts a stream nowhere, and says so: the stream must not
 * leave either, or it would take away the count of one that was counted.
 */
START_TEST(test_presence_full)
{
	char		name[32];
	int		i, refused;

	presence_setup();
	refused = -1;
	for (i = 0; i < 2 * PRESENCE_SLOTS && refused == -1; i++) {
		(void)snprintf(name, sizeof(name), "fill.%d", i);
		if (!presence_enter(name))
			refused = i;
	}
	ck_assert_int_ne(refused, -1);
	ck_assert_uint_eq(presence_count(name, 1000), 0);
	for (i = 0; i < refused; i++) {
		(void)snprintf(name, sizeof(name), "fill.%d", i);
		presence_leave(name);
	}
	ck_assert_int_eq(presence_enter("chat"), 1);
	ck_assert_uint_eq(presence_count("chat", 1000), 1);
	presence_leave("chat");
}
END_TEST

Suite *
presence_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("presence");
	tc = tcase_create("table");
	tcase_add_test(tc, test_presence_workers);
	tcase_add_test(tc, test_presence_changes);
	tcase_add_test(tc, test_presence_remote);
	tcase_add_test(tc, test_presence_full);
	suite_add_tcase(s, tc);

	return (s);
}
