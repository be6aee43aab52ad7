/* SPDX-License-Identifier: GPL-3.0-or-later */
/* file.c — open a user's path without waiting, and only if it is a kind
 * of file that cannot block the loop (see file.h). */
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

/* The memory devices that discard what is written (null, zero) or fail
 * every write (full): /dev/null and friends, under any name. */
static int
file_is_sink(dev_t rdev)
{
	return major(rdev) == 1 &&
	    (minor(rdev) == 3 || minor(rdev) == 5 || minor(rdev) == 7);
}

/* The pseudo filesystem fd is on (the kernel's own files), or NULL. */
static const char *
file_pseudo_fs(int fd)
{
	static const struct {
		unsigned long	 magic;
		const char	*name;
	} fs[] = {
		{ 0x9fa0, "/proc" }, { 0x62656572, "/sys" },
		{ 0x64626720, "debugfs" }, { 0x74726163, "tracefs" },
		{ 0x73636673, "securityfs" }, { 0x27e0eb, "cgroup" },
		{ 0x63677270, "cgroup2" }, { 0x62656570, "configfs" },
		{ 0xcafe4a11, "bpf" }, { 0xde5e81e4, "efivarfs" },
		{ 0x6165676c, "pstore" },
	};
	struct statfs sf;
	size_t i;

	if (fstatfs(fd, &sf) == -1)
		return NULL;
	for (i = 0; i < sizeof fs / sizeof fs[0]; i++)
		if ((unsigned long)sf.f_type == fs[i].magic)
			return fs[i].name;
	return NULL;
}

/* The kind of a file people read in a message, or NULL for a kind that
 * is accepted. */
static const char *
file_kind(const struct stat *st, int accept)
{
	mode_t m = st->st_mode;

	if (S_ISREG(m))
		return NULL;
	if (S_ISCHR(m) && accept & FILE_SINKS)
		return file_is_sink(st->st_rdev) ? NULL :
		    "a device other than /dev/null";
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
	    use, accept & FILE_SINKS ? " or /dev/null" : accept &
	    FILE_DEVICES ? " or devices" : "",
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
		    (kind = file_kind(&st, accept)) != NULL) {
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
	if ((kind = file_kind(&st, accept)) != NULL) {
		file_refuse(path, kind, accept, use, S_ISFIFO(st.st_mode), err,
		    errlen);
		close(fd);
		return -1;
	}
	if (accept & FILE_SINKS && S_ISREG(st.st_mode) &&
	    (kind = file_pseudo_fs(fd)) != NULL) {
		snprintf(err, errlen, "%.200s is a file of the kernel's (%s): "
		    "%s regular files or /dev/null", path, kind, use);
		close(fd);
		return -1;
	}
	return fd;
}
