/* SPDX-License-Identifier: GPL-3.0-or-later */
/* file.c — open a user's path without waiting, and only if it is a kind
 * of file that cannot block the loop (see file.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

/* The kind of a file people read in a message, or NULL for a kind that
 * is accepted. */
static const char *
file_kind(mode_t m, int accept)
{
	if (S_ISREG(m))
		return NULL;
	if (S_ISCHR(m))
		return accept & FILE_DEVICES ? NULL : "a character device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

static void
file_refuse(const char *path, const char *kind, int accept, const char *use,
    int fifo, char *err, size_t errlen)
{
	snprintf(err, errlen, "%.200s is %s: %s regular files%s%s", path, kind,
	    use, accept & FILE_DEVICES ? " or devices" : "",
	    fifo ? " (a FIFO could block socktool)" : "");
}

int
file_open(const char *path, int flags, mode_t mode, int accept,
    const char *use, char *err, size_t errlen)
{
	const char *kind;
	struct stat st;
	int fd, e;

	/* Non-blocking, so that a FIFO is opened (or refused: ENXIO for a
	 * writer with no reader) at once instead of waiting for a peer. */
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode);
	if (fd == -1) {
		e = errno;
		/* ENXIO, EISDIR...: say what the path is when that is why. */
		if (stat(path, &st) == 0 &&
		    (kind = file_kind(st.st_mode, accept)) != NULL) {
			file_refuse(path, kind, accept, use,
			    S_ISFIFO(st.st_mode), err, errlen);
			return -1;
		}
		snprintf(err, errlen, "%.200s: %s", path, strerror(e));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%.200s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((kind = file_kind(st.st_mode, accept)) != NULL) {
		file_refuse(path, kind, accept, use, S_ISFIFO(st.st_mode), err,
		    errlen);
		close(fd);
		return -1;
	}
	return fd;
}
