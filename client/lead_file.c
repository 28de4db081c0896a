/* A private file of lead's (the session, known_servers) replaced whole:
 * written to a temporary file beside it, flushed to disk, then renamed
 * over it, so a crash or a full disk leaves the old one or the new one,
 * never half of either. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lead.h"

FILE *lead_file_begin(const char *dir, const char *name, char tmp[PATH_MAX], char *err,
		      size_t errlen)
{
	if (snprintf(tmp, PATH_MAX, "%s/.%s.XXXXXX", dir, name) >= PATH_MAX) {
		snprintf(err, errlen, "%s: path too long", dir);
		return NULL;
	}
	/* mkstemp creates it 0600; fchmod makes sure whatever the umask. */
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 && fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int e = errno;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		snprintf(err, errlen, "cannot create a file in %s: %s", dir, strerror(e));
	}
	return f;
}

int lead_file_commit(FILE *f, const char *tmp, const char *path, char *err, size_t errlen)
{
	int bad = fflush(f) != 0 || fsync(fileno(f)) < 0;
	int e = errno;
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad || rename(tmp, path) < 0) {
		if (!bad)
			e = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}
