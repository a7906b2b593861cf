#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "acl.h"
#include "result.h"
#include "scratch.h"
#include "suites.h"

#define ADMIN_TOKEN	"admin-token-x"
#define ACL_ERR_MAX	(PATH_MAX + 256)

/* A fresh folder per test, holding the rules file. */
static char	tmpdir[512];
static char	aclpath[sizeof(tmpdir) + 16];

/* Every rule kind, with comments, blank lines, tabs and CRLF ends. */
static const char	acl_full[] =
    "# ssehub access rules\n"
    "\n"
    "publish   pub-token-1 chat.* news\n"
    "   # an indented comment\r\n"
    "subscribe sub-token-1\tsecret.*\tvip\r\n"
    "\t \r\n"
    "subscribe both-token a.*\n"
    "publish both-token b\n"
    "private secret.* vip\r\n"
    "origin https://app.example http://localhost:8080\r\n"
    "publish all-token-1 *";		/* no line end at all */

/* Lines that are refused, the line named and the reason given. */
static const struct {
	const char	*text;
	int		 line;
	const char	*reason;
} bad_cases[] = {
	{ "frobnicate x\n",			1, "unknown rule 'frobnicate'" },
	{ "# c\n\nPublish tok-1234 a\n",	3, "unknown rule 'Publish'" },
	{ "publish tok-123 a\n",		1,
	    "a rule needs a token of 8 or more characters and a pattern" },
	{ "subscribe 1234567 a\n",		1,
	    "a rule needs a token of 8 or more characters and a pattern" },
	{ "publish tok-1234\n",			1,
	    "a rule needs a token of 8 or more characters and a pattern" },
	{ "\r\n# x\r\nsubscribe tok-1234\r\n",	3,
	    "a rule needs a token of 8 or more characters and a pattern" },
	{ "publish\n",				1,
	    "a rule needs a token of 8 or more characters and a pattern" },
	/* Space and tab split words: "a b" in a file is two patterns. */
	{ "publish tok-1234 a\vb\n",		1, "bad pattern 'a\vb'" },
	{ "publish tok-1234 a\fb\n",		1, "bad pattern 'a\fb'" },
	{ "publish tok-1234 **\n",		1, "bad pattern '**'" },
	{ "subscribe tok-1234 x*y\n",		1, "bad pattern 'x*y'" },
	{ "publish tok-1234 *x\n",		1, "bad pattern '*x'" },
	{ "publish tok-1234 chat/x\n",		1, "bad pattern 'chat/x'" },
	{ "publish tok-1234 ok caf\xc3\xa9\n",	1,
	    "bad pattern 'caf\xc3\xa9'" },
	{ "private a *.b\n",			1, "bad pattern '*.b'" },
	{ "origin x\nprivate **\n",		2, "bad pattern '**'" },
	/* Comments take whole lines only. */
	{ "publish tok-1234 a # no\n",		1, "bad pattern '#'" },
	{ "publish tok-1234 "
	    "a b c d e f g h i j k l m n o p q\n", 1,
	    "at most 16 patterns a line" },
	{ "private a b c d e f g h i j k l m n o p q\n", 1,
	    "at most 16 patterns a line" },
	/* One token, one line: the second would silently lose. */
	{ "publish tok-1234 a\npublish tok-1234 b\n", 2,
	    "the token of this publish rule is on an earlier line: put its "
	    "patterns there" },
	{ "subscribe tok-1234 a\npublish tok-1234 b\n"
	    "subscribe tok-1234 c\n", 3,
	    "the token of this subscribe rule is on an earlier line: put its "
	    "patterns there" },
};

/* What acl_pattern_match says. */
static const struct {
	const char	*pattern;
	const char	*topic;
	int		 match;
} match_cases[] = {
	{ "*",		"anything",	1 },
	{ "*",		"a",		1 },
	{ "*",		"",		1 },
	{ "chat.*",	"chat.x",	1 },
	{ "chat.*",	"chat.",	1 },
	{ "chat.*",	"chat.x.y",	1 },
	{ "chat.*",	"chat",		0 },
	{ "chat.*",	"chatx",	0 },
	{ "chat.*",	"Chat.x",	0 },
	{ "chat.*",	"xchat.x",	0 },
	{ "chat*",	"chat",		1 },
	{ "chat*",	"chatter",	1 },
	{ "news",	"news",		1 },
	{ "news",	"news2",	0 },
	{ "news",	"new",		0 },
	{ "news",	"News",		0 },
	{ "news",	"",		0 },
	{ "",		"",		1 },
	{ "",		"a",		0 },
};

/* The CORS allowlist of acl_full: exact and case-sensitive. */
static const struct {
	const char	*origin;
	int		 ok;
} origin_cases[] = {
	{ "https://app.example",	1 },
	{ "http://localhost:8080",	1 },
	{ "https://app.example/",	0 },
	{ "https://app.example:443",	0 },
	{ "https://App.example",	0 },
	{ "HTTPS://APP.EXAMPLE",	0 },
	{ "http://app.example",		0 },
	{ "https://app.exampl",		0 },
	{ "https://app.example.evil",	0 },
	{ "http://localhost",		0 },
	{ " https://app.example",	0 },
	{ "*",				0 },
	{ "",				0 },
	{ NULL,				0 },
};

static void
acl_setup(void)
{
	scratch_make(tmpdir, sizeof(tmpdir), aclpath, sizeof(aclpath),
	    "acl.rules");
}

static void
acl_teardown(void)
{
	scratch_remove(tmpdir, aclpath);
}

/* Writes text to the rules file and loads it; it must be taken. */
static void
load_ok(struct acl *a, const char *text)
{
	char	err[ACL_ERR_MAX];

	scratch_write(aclpath, text);
	err[0] = '\0';
	ck_assert_msg(acl_load(a, aclpath, ADMIN_TOKEN, err, sizeof(err)) ==
	    RESULT_OK, "refused: %s", err);
}

/* A malloc'd string of n copies of c. */
static char *
repeat(char c, size_t n)
{
	char	*s;

	ck_assert_ptr_nonnull(s = malloc(n + 1));
	memset(s, c, n);
	s[n] = '\0';
	return (s);
}

static void
assert_rule(const struct acl_rule *r, int kind, const char *token,
    size_t npatterns, const char *const *patterns)
{
	size_t	i;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->kind, kind);
	ck_assert_str_eq(r->token, token);
	ck_assert_uint_eq(r->npatterns, npatterns);
	for (i = 0; i < npatterns; i++)
		ck_assert_str_eq(r->patterns[i], patterns[i]);
}

static void
assert_admin(const struct acl *a)
{
	static const char *const	star[] = { "*" };

	assert_rule(&a->admin, ACL_PUBLISH | ACL_SUBSCRIBE, ADMIN_TOKEN, 1,
	    star);
}

/* No file: only the administrator's rule. */
START_TEST(test_acl_load_null)
{
	struct acl	a;
	char		err[64];

	(void)strcpy(err, "untouched");
	ck_assert_int_eq(acl_load(&a, NULL, ADMIN_TOKEN, err, sizeof(err)),
	    RESULT_OK);
	ck_assert_str_eq(err, "untouched");
	assert_admin(&a);
	ck_assert_uint_eq(a.nrules, 0);
	ck_assert_uint_eq(a.nprivate, 0);
	ck_assert_uint_eq(a.norigins, 0);
	ck_assert_int_eq(acl_private(&a, "anything"), 0);
	ck_assert_int_eq(acl_origin_ok(&a, "https://app.example"), 0);
	ck_assert_ptr_eq(acl_find(&a, ACL_PUBLISH, ADMIN_TOKEN), &a.admin);
	ck_assert_ptr_eq(acl_find(&a, ACL_SUBSCRIBE, ADMIN_TOKEN), &a.admin);
	acl_free(&a);
	ck_assert_ptr_null(a.admin.token);
	ck_assert_ptr_null(a.rules);
}
END_TEST

/* Every rule kind, read back field by field. */
START_TEST(test_acl_load_full)
{
	static const char *const	p0[] = { "chat.*", "news" };
	static const char *const	p1[] = { "secret.*", "vip" };
	static const char *const	p2[] = { "a.*" };
	static const char *const	p3[] = { "b" };
	static const char *const	p4[] = { "*" };
	struct acl			a;

	load_ok(&a, acl_full);
	assert_admin(&a);
	ck_assert_uint_eq(a.nrules, 5);
	assert_rule(&a.rules[0], ACL_PUBLISH, "pub-token-1", 2, p0);
	assert_rule(&a.rules[1], ACL_SUBSCRIBE, "sub-token-1", 2, p1);
	assert_rule(&a.rules[2], ACL_SUBSCRIBE, "both-token", 1, p2);
	assert_rule(&a.rules[3], ACL_PUBLISH, "both-token", 1, p3);
	assert_rule(&a.rules[4], ACL_PUBLISH, "all-token-1", 1, p4);

	ck_assert_uint_eq(a.nprivate, 2);
	ck_assert_str_eq(a.private[0], "secret.*");
	ck_assert_str_eq(a.private[1], "vip");

	/* CR is not part of the last word of a CRLF line. */
	ck_assert_uint_eq(a.norigins, 2);
	ck_assert_str_eq(a.origins[0], "https://app.example");
	ck_assert_str_eq(a.origins[1], "http://localhost:8080");
	acl_free(&a);
}
END_TEST

/* A file of nothing but comments and blank lines, or empty. */
START_TEST(test_acl_load_empty)
{
	struct acl	a;

	load_ok(&a, "# only\r\n\r\n   \n\t# comments\n#");
	assert_admin(&a);
	ck_assert_uint_eq(a.nrules, 0);
	ck_assert_uint_eq(a.nprivate, 0);
	ck_assert_uint_eq(a.norigins, 0);
	acl_free(&a);

	load_ok(&a, "");
	ck_assert_uint_eq(a.nrules, 0);
	acl_free(&a);
}
END_TEST

/* Tokens of exactly 8, patterns at the length limit, several origins. */
START_TEST(test_acl_load_limits)
{
	struct acl	a;
	char		*topic, text[512];

	topic = repeat('t', 64);
	(void)snprintf(text, sizeof(text),
	    "publish 12345678 %s %s*\nprivate %s*\n", topic, topic, topic);
	load_ok(&a, text);
	ck_assert_uint_eq(a.nrules, 1);
	ck_assert_str_eq(a.rules[0].token, "12345678");
	ck_assert_uint_eq(a.rules[0].npatterns, 2);
	ck_assert_str_eq(a.rules[0].patterns[0], topic);
	ck_assert_uint_eq(strlen(a.rules[0].patterns[1]), 65);
	ck_assert_uint_eq(a.nprivate, 1);
	acl_free(&a);
	free(topic);
}
END_TEST

/*
 * ACL_PATTERNS_MAX (16) patterns are allowed on a line, for every kind.
 * Freed before the checks: a failure here leaks nothing.
 */
START_TEST(test_acl_load_16_patterns)
{
	static const char	*kinds[] = { "publish tok-1234", "subscribe "
				    "tok-1234", "private" };
	struct acl		 a;
	char			 text[256], err[ACL_ERR_MAX];
	size_t			 i, npatterns;
	int			 rc;

	for (i = 0; i < nitems(kinds); i++) {
		(void)snprintf(text, sizeof(text),
		    "%s a b c d e f g h i j k l m n o p\n", kinds[i]);
		scratch_write(aclpath, text);
		err[0] = '\0';
		rc = acl_load(&a, aclpath, ADMIN_TOKEN, err, sizeof(err));
		npatterns = a.nrules > 0 ? a.rules[0].npatterns : a.nprivate;
		acl_free(&a);
		ck_assert_msg(rc == RESULT_OK, "%s: refused: %s", kinds[i],
		    err);
		ck_assert_uint_eq(npatterns, ACL_PATTERNS_MAX);
	}
}
END_TEST

/* The longest line that fits, then the same line in a longer file. */
START_TEST(test_acl_load_long_line_fits)
{
	struct acl	a;
	char		*origin, *text;

	/* "origin " and 4087 bytes: 4094 bytes before the LF. */
	origin = repeat('o', 4087);
	ck_assert_int_gt(asprintf(&text, "origin %s\norigin x\n", origin),
	    0);
	load_ok(&a, text);
	ck_assert_uint_eq(a.norigins, 2);
	ck_assert_str_eq(a.origins[0], origin);
	ck_assert_str_eq(a.origins[1], "x");
	acl_free(&a);
	free(text);
	free(origin);
}
END_TEST

START_TEST(test_acl_load_bad)
{
	struct acl	a;
	char		err[ACL_ERR_MAX], want[ACL_ERR_MAX];

	scratch_write(aclpath, bad_cases[_i].text);
	memset(err, 0, sizeof(err));
	ck_assert_int_eq(acl_load(&a, aclpath, ADMIN_TOKEN, err, sizeof(err)),
	    RESULT_ERROR);
	(void)snprintf(want, sizeof(want), "%s:%d: %s", aclpath,
	    bad_cases[_i].line, bad_cases[_i].reason);
	ck_assert_str_eq(err, want);
	/* What was read before the error is freed like a whole file. */
	acl_free(&a);
}
END_TEST

/* Rules read before a bad line are freed by acl_free. */
START_TEST(test_acl_load_bad_after_rules)
{
	struct acl	a;
	char		err[ACL_ERR_MAX], want[ACL_ERR_MAX];

	scratch_write(aclpath, "publish tok-1234 a b c\nprivate x y\n"
	    "origin o1 o2\nsubscribe tok-5678 d e **\n");
	ck_assert_int_eq(acl_load(&a, aclpath, ADMIN_TOKEN, err, sizeof(err)),
	    RESULT_ERROR);
	(void)snprintf(want, sizeof(want), "%s:4: bad pattern '**'", aclpath);
	ck_assert_str_eq(err, want);
	acl_free(&a);
}
END_TEST

/* 5000 bytes on line 2. */
START_TEST(test_acl_load_long_line)
{
	struct acl	a;
	char		err[ACL_ERR_MAX], want[ACL_ERR_MAX], *origin, *text;
	int		rc;

	origin = repeat('o', 5000);
	ck_assert_int_gt(asprintf(&text, "# first\norigin %s\norigin x\n",
	    origin), 0);
	scratch_write(aclpath, text);
	free(text);
	free(origin);
	rc = acl_load(&a, aclpath, ADMIN_TOKEN, err, sizeof(err));
	acl_free(&a);
	ck_assert_int_eq(rc, RESULT_ERROR);
	(void)snprintf(want, sizeof(want), "%s:2: line too long", aclpath);
	ck_assert_str_eq(err, want);
}
END_TEST

/* 4097 bytes and no LF, on the last line. */
START_TEST(test_acl_load_long_last_line)
{
	struct acl	a;
	char		err[ACL_ERR_MAX], *text;

	text = repeat('#', 4097);
	scratch_write(aclpath, text);
	ck_assert_int_eq(acl_load(&a, aclpath, ADMIN_TOKEN, err, sizeof(err)),
	    RESULT_ERROR);
	ck_assert_ptr_nonnull(strstr(err, aclpath));
	ck_assert_ptr_nonnull(strstr(err, ":1: "));
	ck_assert_ptr_nonnull(strstr(err, "line too long"));
	acl_free(&a);
	free(text);
}
END_TEST

/* The lines acl.h gives need at least one word after the rule name. */
START_TEST(test_acl_load_empty_list)
{
	static const char	*lines[] = { "private\n", "origin\n" };
	struct acl		 a;
	char			 err[ACL_ERR_MAX], want[ACL_ERR_MAX];
	size_t			 i;
	int			 rc;

	for (i = 0; i < nitems(lines); i++) {
		scratch_write(aclpath, lines[i]);
		err[0] = '\0';
		rc = acl_load(&a, aclpath, ADMIN_TOKEN, err, sizeof(err));
		acl_free(&a);
		ck_assert_msg(rc == RESULT_ERROR, "'%.*s' was taken",
		    (int)strlen(lines[i]) - 1, lines[i]);
		(void)snprintf(want, sizeof(want), "%s:1: ", aclpath);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		    "error '%s' does not start with '%s'", err, want);
	}
}
END_TEST

START_TEST(test_acl_load_missing)
{
	struct acl	a;
	char		err[ACL_ERR_MAX], want[ACL_ERR_MAX];

	ck_assert_int_eq(acl_load(&a, aclpath, ADMIN_TOKEN, err, sizeof(err)),
	    RESULT_ERROR);
	(void)snprintf(want, sizeof(want), "SSEHUB_ACL: cannot open %s",
	    aclpath);
	ck_assert_str_eq(err, want);
	acl_free(&a);
}
END_TEST

/* A folder opens, but reading it fails: that is not an empty file. */
START_TEST(test_acl_load_unreadable)
{
	struct acl	a;
	char		err[ACL_ERR_MAX];
	int		rc;

	memset(err, 0, sizeof(err));
	rc = acl_load(&a, tmpdir, ADMIN_TOKEN, err, sizeof(err));
	acl_free(&a);
	ck_assert_msg(rc == RESULT_ERROR,
	    "the folder %s was taken as an empty file", tmpdir);
	ck_assert_ptr_nonnull(strstr(err, tmpdir));
}
END_TEST

START_TEST(test_acl_find)
{
	struct acl		 a;
	const struct acl_rule	*r;

	load_ok(&a, acl_full);

	/* The administrator: both kinds, the same rule. */
	ck_assert_ptr_eq(acl_find(&a, ACL_PUBLISH, ADMIN_TOKEN), &a.admin);
	ck_assert_ptr_eq(acl_find(&a, ACL_SUBSCRIBE, ADMIN_TOKEN), &a.admin);

	/* Tokens are looked up by kind. */
	ck_assert_ptr_eq(acl_find(&a, ACL_PUBLISH, "pub-token-1"),
	    &a.rules[0]);
	ck_assert_ptr_null(acl_find(&a, ACL_SUBSCRIBE, "pub-token-1"));
	ck_assert_ptr_eq(acl_find(&a, ACL_SUBSCRIBE, "sub-token-1"),
	    &a.rules[1]);
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, "sub-token-1"));
	ck_assert_ptr_eq(acl_find(&a, ACL_PUBLISH, "all-token-1"),
	    &a.rules[4]);
	ck_assert_ptr_null(acl_find(&a, ACL_SUBSCRIBE, "all-token-1"));

	/* One token in a rule of each kind. */
	r = acl_find(&a, ACL_SUBSCRIBE, "both-token");
	ck_assert_ptr_eq(r, &a.rules[2]);
	ck_assert_str_eq(r->patterns[0], "a.*");
	r = acl_find(&a, ACL_PUBLISH, "both-token");
	ck_assert_ptr_eq(r, &a.rules[3]);
	ck_assert_str_eq(r->patterns[0], "b");

	/* No token, or one that is close. */
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, NULL));
	ck_assert_ptr_null(acl_find(&a, ACL_SUBSCRIBE, NULL));
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, ""));
	ck_assert_ptr_null(acl_find(&a, ACL_SUBSCRIBE, ""));
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, "pub-token-"));
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, "pub-token-12"));
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, "Pub-token-1"));
	ck_assert_ptr_null(acl_find(&a, ACL_SUBSCRIBE, "sub-token"));
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, "admin-token"));
	ck_assert_ptr_null(acl_find(&a, ACL_SUBSCRIBE, "admin-token-"));
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, "admin-token-xx"));
	ck_assert_ptr_null(acl_find(&a, ACL_PUBLISH, "chat.*"));
	acl_free(&a);
}
END_TEST

START_TEST(test_acl_pattern_match)
{
	ck_assert_msg(acl_pattern_match(match_cases[_i].pattern,
	    match_cases[_i].topic) == match_cases[_i].match,
	    "'%s' against '%s': want %d", match_cases[_i].pattern,
	    match_cases[_i].topic, match_cases[_i].match);
}
END_TEST

START_TEST(test_acl_allows)
{
	struct acl		 a;
	const struct acl_rule	*pub, *sub;

	load_ok(&a, acl_full);
	pub = acl_find(&a, ACL_PUBLISH, "pub-token-1");
	sub = acl_find(&a, ACL_SUBSCRIBE, "sub-token-1");
	ck_assert_ptr_nonnull(pub);
	ck_assert_ptr_nonnull(sub);

	ck_assert_int_eq(acl_allows(pub, "chat.room1"), 1);
	ck_assert_int_eq(acl_allows(pub, "chat."), 1);
	ck_assert_int_eq(acl_allows(pub, "news"), 1);
	ck_assert_int_eq(acl_allows(pub, "chat"), 0);
	ck_assert_int_eq(acl_allows(pub, "news.x"), 0);
	ck_assert_int_eq(acl_allows(pub, "secret.x"), 0);

	ck_assert_int_eq(acl_allows(sub, "secret.x"), 1);
	ck_assert_int_eq(acl_allows(sub, "vip"), 1);
	ck_assert_int_eq(acl_allows(sub, "chat.x"), 0);

	ck_assert_int_eq(acl_allows(&a.admin, "anything"), 1);
	ck_assert_int_eq(acl_allows(&a.admin, "secret.x"), 1);

	ck_assert_int_eq(acl_allows(NULL, "chat.x"), 0);
	ck_assert_int_eq(acl_allows(NULL, ""), 0);
	acl_free(&a);
}
END_TEST

START_TEST(test_acl_private)
{
	struct acl	a;

	load_ok(&a, acl_full);
	ck_assert_int_eq(acl_private(&a, "secret.x"), 1);
	ck_assert_int_eq(acl_private(&a, "secret."), 1);
	ck_assert_int_eq(acl_private(&a, "secret.a.b"), 1);
	ck_assert_int_eq(acl_private(&a, "vip"), 1);
	ck_assert_int_eq(acl_private(&a, "secret"), 0);
	ck_assert_int_eq(acl_private(&a, "vip2"), 0);
	ck_assert_int_eq(acl_private(&a, "VIP"), 0);
	ck_assert_int_eq(acl_private(&a, "chat.x"), 0);
	acl_free(&a);

	/* "private *": every topic. */
	load_ok(&a, "private *\n");
	ck_assert_int_eq(acl_private(&a, "anything"), 1);
	acl_free(&a);
}
END_TEST

START_TEST(test_acl_can_read)
{
	struct acl		 a;
	const struct acl_rule	*pub, *sub, *both;

	load_ok(&a, acl_full);
	pub = acl_find(&a, ACL_PUBLISH, "pub-token-1");
	sub = acl_find(&a, ACL_SUBSCRIBE, "sub-token-1");
	both = acl_find(&a, ACL_SUBSCRIBE, "both-token");

	/* Public topics: anyone, with or without a rule. */
	ck_assert_int_eq(acl_can_read(&a, NULL, "chat.x"), 1);
	ck_assert_int_eq(acl_can_read(&a, NULL, "secret"), 1);
	ck_assert_int_eq(acl_can_read(&a, sub, "chat.x"), 1);
	ck_assert_int_eq(acl_can_read(&a, both, "news"), 1);

	/* Private topics: only a rule that allows them. */
	ck_assert_int_eq(acl_can_read(&a, NULL, "secret.x"), 0);
	ck_assert_int_eq(acl_can_read(&a, NULL, "vip"), 0);
	ck_assert_int_eq(acl_can_read(&a, sub, "secret.x"), 1);
	ck_assert_int_eq(acl_can_read(&a, sub, "vip"), 1);
	ck_assert_int_eq(acl_can_read(&a, both, "secret.x"), 0);
	ck_assert_int_eq(acl_can_read(&a, pub, "vip"), 0);
	ck_assert_int_eq(acl_can_read(&a, &a.admin, "secret.x"), 1);
	ck_assert_int_eq(acl_can_read(&a, &a.admin, "vip"), 1);
	acl_free(&a);
}
END_TEST

START_TEST(test_acl_origin_ok)
{
	struct acl	a;

	load_ok(&a, acl_full);
	ck_assert_msg(acl_origin_ok(&a, origin_cases[_i].origin) ==
	    origin_cases[_i].ok, "origin '%s': want %d",
	    origin_cases[_i].origin ? origin_cases[_i].origin : "(null)",
	    origin_cases[_i].ok);
	acl_free(&a);
}
END_TEST

/* acl_free twice, and on what acl_free left, is harmless. */
START_TEST(test_acl_free)
{
	struct acl	a;

	load_ok(&a, acl_full);
	acl_free(&a);
	ck_assert_ptr_null(a.rules);
	ck_assert_ptr_null(a.private);
	ck_assert_ptr_null(a.origins);
	ck_assert_ptr_null(a.admin.token);
	ck_assert_uint_eq(a.nrules + a.nprivate + a.norigins, 0);
	acl_free(&a);
}
END_TEST

Suite *
acl_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("acl");
	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, acl_setup, acl_teardown);
	tcase_add_test(tc, test_acl_load_null);
	tcase_add_test(tc, test_acl_load_full);
	tcase_add_test(tc, test_acl_load_empty);
	tcase_add_test(tc, test_acl_load_limits);
	tcase_add_test(tc, test_acl_load_16_patterns);
	tcase_add_test(tc, test_acl_load_long_line_fits);
	tcase_add_loop_test(tc, test_acl_load_bad, 0, nitems(bad_cases));
	tcase_add_test(tc, test_acl_load_bad_after_rules);
	tcase_add_test(tc, test_acl_load_long_line);
	tcase_add_test(tc, test_acl_load_long_last_line);
	tcase_add_test(tc, test_acl_load_empty_list);
	tcase_add_test(tc, test_acl_load_missing);
	tcase_add_test(tc, test_acl_load_unreadable);
	tcase_add_test(tc, test_acl_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_checked_fixture(tc, acl_setup, acl_teardown);
	tcase_add_test(tc, test_acl_find);
	tcase_add_loop_test(tc, test_acl_pattern_match, 0,
	    nitems(match_cases));
	tcase_add_test(tc, test_acl_allows);
	tcase_add_test(tc, test_acl_private);
	tcase_add_test(tc, test_acl_can_read);
	tcase_add_loop_test(tc, test_acl_origin_ok, 0, nitems(origin_cases));
	suite_add_tcase(s, tc);

	return (s);
}
