#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "pg_array.h"
#include "suites.h"

#define ELEMS_MAX	8
#define ELEM_MAX	24

/*
 * Literals checked byte for byte. PostgreSQL itself is not reachable
 * from a unit test, so the literals are also read back by array_decode()
 * below, which follows the server's rules for quoted elements.
 */
static const struct {
	size_t		 n;
	const char	*v[4];
	const char	*lit;
} array_cases[] = {
	{ 0, { NULL },			"{}" },
	{ 1, { "a" },			"{\"a\"}" },
	{ 3, { "a", "bc", "def" },	"{\"a\",\"bc\",\"def\"}" },
	{ 1, { "say \"hi\"" },		"{\"say \\\"hi\\\"\"}" },
	{ 1, { "back\\slash" },		"{\"back\\\\slash\"}" },
	{ 1, { "\"" },			"{\"\\\"\"}" },
	{ 1, { "\\" },			"{\"\\\\\"}" },
	{ 1, { "\\\"\\\"" },		"{\"\\\\\\\"\\\\\\\"\"}" },
	{ 1, { "a,b" },			"{\"a,b\"}" },
	{ 2, { ",", "," },		"{\",\",\",\"}" },
	{ 1, { "{x}" },			"{\"{x}\"}" },
	{ 2, { "{", "}" },		"{\"{\",\"}\"}" },
	{ 1, { " lead and trail " },	"{\" lead and trail \"}" },
	{ 1, { " " },			"{\" \"}" },
	{ 1, { "" },			"{\"\"}" },
	{ 3, { "", "", "" },		"{\"\",\"\",\"\"}" },
	{ 2, { "", "x" },		"{\"\",\"x\"}" },
	/* Quoted, so the server reads the string, not an SQL NULL. */
	{ 1, { "NULL" },		"{\"NULL\"}" },
	{ 2, { "null", "NuLl" },	"{\"null\",\"NuLl\"}" },
	{ 1, { "a\nb\tc\r" },		"{\"a\nb\tc\r\"}" },
	{ 1, { "'quoted'" },		"{\"'quoted'\"}" },
	{ 3, { "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" },
	    "{\"caf\xc3\xa9\",\"\xe2\x82\xac\",\"\xf0\x9f\x98\x80\"}" },
	{ 4, { "{\"k\":[1,2]}", "NULL", "", "\\n" },
	    "{\"{\\\"k\\\":[1,2]}\",\"NULL\",\"\",\"\\\\n\"}" },
};

/*
 * Reads a literal of quoted elements, as PostgreSQL's array_in() does
 * for a one-dimensional text[]: inside quotes a backslash takes the next
 * byte literally. Anything else (unquoted elements, stray bytes) is an
 * error, since pg_array_encode() quotes every element. Element i is
 * copied to out[i] and its length to lens[i]. Returns the number of
 * elements, or -1.
 */
static int
array_decode(const char *lit, size_t len, char out[][ELEM_MAX + 1],
    size_t *lens, size_t max)
{
	size_t		i, n;

	if (len < 2 || lit[0] != '{' || lit[len - 1] != '}')
		return (-1);
	if (len == 2)
		return (0);

	i = 1;
	for (n = 0;; n++) {
		if (n == max || lit[i++] != '"')
			return (-1);
		lens[n] = 0;
		for (;;) {
			if (i >= len - 1)
				return (-1);
			if (lit[i] == '"')
				break;
			if (lit[i] == '\\' && ++i >= len - 1)
				return (-1);
			if (lens[n] == ELEM_MAX)
				return (-1);
			out[n][lens[n]++] = lit[i++];
		}
		i++;			/* closing quote */
		if (i == len - 1)
			return ((int)n + 1);
		if (lit[i++] != ',')
			return (-1);
	}
}

/* Encodes into a buffer of exactly pg_array_size() bytes. */
static char *
array_encode(const char *const *v, const size_t *lens, size_t n,
    size_t *len)
{
	char	*lit;
	size_t	 size;

	size = pg_array_size(v, lens, n);
	ck_assert_ptr_nonnull(lit = malloc(size));
	*len = pg_array_encode(lit, v, lens, n);
	ck_assert_uint_eq(*len, size);

	return (lit);
}

static void
assert_round_trip(const char *const *v, const size_t *lens, size_t n,
    const char *lit, size_t len)
{
	char	out[ELEMS_MAX][ELEM_MAX + 1];
	size_t	outlens[ELEMS_MAX], i;

	ck_assert_int_eq(array_decode(lit, len, out, outlens, ELEMS_MAX),
	    (int)n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(outlens[i], lens[i]);
		ck_assert_mem_eq(out[i], v[i], lens[i]);
	}
}

START_TEST(test_pg_array_encode)
{
	size_t	lens[4], i, n, len;
	char	*lit;

	n = array_cases[_i].n;
	for (i = 0; i < n; i++)
		lens[i] = strlen(array_cases[_i].v[i]);

	lit = array_encode(array_cases[_i].v, lens, n, &len);
	ck_assert_uint_eq(len, strlen(array_cases[_i].lit));
	ck_assert_mem_eq(lit, array_cases[_i].lit, len);
	assert_round_trip(array_cases[_i].v, lens, n, lit, len);
	free(lit);
}
END_TEST

/* The given lengths are used, not strlen(): bytes past them are left. */
START_TEST(test_pg_array_lengths)
{
	const char	*v[] = { "abcdef", "\"\\x", "" };
	const size_t	 lens[] = { 3, 2, 0 };
	static const char want[] = "{\"abc\",\"\\\"\\\\\",\"\"}";
	char		*lit;
	size_t		 len;

	lit = array_encode(v, lens, nitems(v), &len);
	ck_assert_uint_eq(len, sizeof(want) - 1);
	ck_assert_mem_eq(lit, want, len);
	free(lit);
}
END_TEST

/* Nothing is written past pg_array_size() bytes: there is no NUL. */
START_TEST(test_pg_array_no_overrun)
{
	const char	*v[] = { "x\"y", "\\" };
	const size_t	 lens[] = { 3, 1 };
	char		 buf[32];
	size_t		 size;

	memset(buf, 'X', sizeof(buf));
	size = pg_array_size(v, lens, nitems(v));
	ck_assert_uint_eq(size, 13);
	ck_assert_uint_eq(pg_array_encode(buf, v, lens, nitems(v)), size);
	ck_assert_mem_eq(buf, "{\"x\\\"y\",\"\\\\\"}", size);
	ck_assert_int_eq(buf[size], 'X');
}
END_TEST

/* The decoder is strict, or the round trips would prove nothing. */
START_TEST(test_pg_array_decoder)
{
	static const char	*bad[] = {
		"", "{", "}", "{\"a\"", "{a}", "{\"a\",}", "{,\"a\"}",
		"{\"a\"\"b\"}", "{\"a\\\"}", "{\"a}", "{\"a\" }", "{NULL}",
		"x{}", "{\"a\"}x",
	};
	char			 out[ELEMS_MAX][ELEM_MAX + 1];
	size_t			 lens[ELEMS_MAX], i;

	for (i = 0; i < nitems(bad); i++) {
		ck_assert_msg(array_decode(bad[i], strlen(bad[i]), out, lens,
		    ELEMS_MAX) == -1, "accepted %s", bad[i]);
	}
	ck_assert_int_eq(array_decode("{\"\\a\\\\\"}", 8, out, lens,
	    ELEMS_MAX), 1);
	ck_assert_uint_eq(lens[0], 2);
	ck_assert_mem_eq(out[0], "a\\", 2);
}
END_TEST

/* xorshift32: the same inputs on every libc. */
static uint32_t
array_rand(uint32_t *state)
{
	uint32_t	x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return (*state = x);
}

START_TEST(test_pg_array_random)
{
	/* Mostly the bytes that matter to the literal, then any but NUL. */
	static const char	special[] = "\"\\,{} \t\nNUL\xc3\xa9";
	char			elems[ELEMS_MAX][ELEM_MAX];
	const char		*v[ELEMS_MAX];
	size_t			lens[ELEMS_MAX], n, i, j, len;
	uint32_t		seed = 0x55e4ab;
	char			*lit;
	int			round, escapes;

	escapes = 0;
	for (round = 0; round < 1000; round++) {
		n = array_rand(&seed) % (ELEMS_MAX + 1);
		for (i = 0; i < n; i++) {
			lens[i] = array_rand(&seed) % (ELEM_MAX + 1);
			for (j = 0; j < lens[i]; j++) {
				if (array_rand(&seed) % 2 == 0) {
					elems[i][j] = special[array_rand(&seed)
					    % (sizeof(special) - 1)];
				} else {
					elems[i][j] = (char)(1 +
					    array_rand(&seed) % 255);
				}
				if (elems[i][j] == '"' || elems[i][j] == '\\')
					escapes++;
			}
			v[i] = elems[i];
		}
		lit = array_encode(v, lens, n, &len);
		assert_round_trip(v, lens, n, lit, len);
		free(lit);
	}
	/* The inputs did exercise the escapes. */
	ck_assert_int_gt(escapes, 1000);
}
END_TEST

Suite *
pg_array_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("pg_array");
	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_pg_array_encode, 0, nitems(array_cases));
	tcase_add_test(tc, test_pg_array_lengths);
	tcase_add_test(tc, test_pg_array_no_overrun);
	tcase_add_test(tc, test_pg_array_decoder);
	tcase_add_test(tc, test_pg_array_random);
	suite_add_tcase(s, tc);

	return (s);
}
