#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "scratch.h"

void
scratch_make(char *dir, size_t dirlen, char *file, size_t filelen,
    const char *name)
{
	const char	*base;

	if ((base = getenv("TMPDIR")) == NULL || *base == '\0')
		base = "/tmp";
	ck_assert_int_lt(snprintf(dir, dirlen, "%s/ssehub-unit.XXXXXX", base),
	    (int)dirlen);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_lt(snprintf(file, filelen, "%s/%s", dir, name),
	    (int)filelen);
}

void
scratch_remove(const char *dir, const char *file)
{
	if (unlink(file) == -1 && errno != ENOENT)
		ck_abort_msg("unlink %s: %s", file, strerror(errno));
	if (rmdir(dir) == -1)
		ck_abort_msg("rmdir %s: %s", dir, strerror(errno));
}

void
scratch_write(const char *path, const char *text)
{
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_int_ge(fputs(text, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
}
