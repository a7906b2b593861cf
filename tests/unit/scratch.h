/* A scratch folder for the suites that read files (acl, settings). */
#ifndef SSEHUB_TEST_SCRATCH_H
#define SSEHUB_TEST_SCRATCH_H

#include <stddef.h>

/* Makes a folder in $TMPDIR (or /tmp) into dir; file: name inside it. */
void	scratch_make(char *dir, size_t dirlen, char *file, size_t filelen,
	    const char *name);
/* Removes file (if there) and dir, which must then be empty. */
void	scratch_remove(const char *dir, const char *file);
/* Writes text as the whole of path. */
void	scratch_write(const char *path, const char *text);

#endif
