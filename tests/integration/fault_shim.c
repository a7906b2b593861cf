/*
 * fault_shim: LD_PRELOAD'ed into ssehub by core_faults.test.mjs (through
 * SSEHUB_PRELOAD, tests/lib/server.sh). While the file named by
 * SSEHUB_FAULT_FILE holds a positive count, each call of libpq's
 * PQsendQuery or PQsendQueryParams takes one from it and returns 0, as
 * libpq does when it cannot queue a query (a connection that broke
 * between two queries). The count is shared by every process of the
 * instance: a POSIX record lock serialises them. SSEHUB_FAULT_ONLY, if
 * set, names the one function that may fail.
 *
 * Only system calls Kore's seccomp filter allows (openat, fcntl, read,
 * lseek, write, close) are used, since workers run sandboxed.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int	(*send_query_fn)(void *, const char *);
typedef int	(*send_params_fn)(void *, const char *, int, const void *,
		    const char *const *, const int *, const int *, int);

/* 1 when this call must fail (a count was taken). */
static int
fault_take(const char *what)
{
	const char	*path;
	struct flock	lk;
	char		buf[32], msg[96];
	ssize_t		n;
	long		count;
	int		fd, fail = 0, len;

	if ((path = getenv("SSEHUB_FAULT_FILE")) == NULL)
		return (0);
	if (getenv("SSEHUB_FAULT_ONLY") != NULL &&
	    strcmp(getenv("SSEHUB_FAULT_ONLY"), what) != 0)
		return (0);
	if ((fd = open(path, O_RDWR)) == -1)
		return (0);

	memset(&lk, 0, sizeof(lk));
	lk.l_type = F_WRLCK;
	lk.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLKW, &lk) == -1) {
		close(fd);
		return (0);
	}

	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		count = strtol(buf, NULL, 10);
		if (count > 0) {
			fail = 1;
			/* Same length as before: no ftruncate under seccomp. */
			memset(buf, ' ', (size_t)n);
			len = snprintf(msg, sizeof(msg), "%ld", count - 1);
			memcpy(buf, msg, (size_t)len);
			buf[n - 1] = '\n';
			if (lseek(fd, 0, SEEK_SET) == 0)
				(void)write(fd, buf, (size_t)n);
		}
	}

	lk.l_type = F_UNLCK;
	(void)fcntl(fd, F_SETLK, &lk);
	close(fd);

	if (fail) {
		len = snprintf(msg, sizeof(msg),
		    "fault_shim: pid %d: %s returns 0\n", (int)getpid(), what);
		(void)write(2, msg, (size_t)len);
	}
	return (fail);
}

int
PQsendQuery(void *conn, const char *query)
{
	static send_query_fn	real;

	if (fault_take("PQsendQuery"))
		return (0);
	if (real == NULL)
		real = (send_query_fn)dlsym(RTLD_NEXT, "PQsendQuery");
	return (real(conn, query));
}

int
PQsendQueryParams(void *conn, const char *command, int nparams,
    const void *types, const char *const *values, const int *lengths,
    const int *formats, int result_format)
{
	static send_params_fn	real;

	if (fault_take("PQsendQueryParams"))
		return (0);
	if (real == NULL)
		real = (send_params_fn)dlsym(RTLD_NEXT, "PQsendQueryParams");
	return (real(conn, command, nparams, types, values, lengths,
	    formats, result_format));
}
