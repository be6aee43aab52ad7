/* SPDX-License-Identifier: GPL-3.0-or-later */
/* file.h — opening a path the user named without letting it hold the
 * loop: open() on a FIFO waits for the other end and read() on a terminal
 * for a line, so such paths are refused in words instead. */
#ifndef SOCKTOOL_FILE_H
#define SOCKTOOL_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Character devices (/dev/null) are accepted as well as regular files. */
#define FILE_DEVICES	0x1
/* For a file socktool writes on its own (logs, key logs): regular files
 * on a filesystem that stores them, and the devices that swallow writes
 * (/dev/null, /dev/zero, /dev/full); the kernel's own files (/proc, /sys
 * and the like: /proc/self/mem is "regular") and other devices (a
 * terminal would get received bytes raw, SPEC 4) are refused. */
#define FILE_SINKS	0x2

/*
 * open(path, flags) with O_NONBLOCK, O_CLOEXEC and O_NOCTTY (mode when it
 * creates the file), kept only if it is a regular file, or with
 * FILE_DEVICES a character device (with FILE_SINKS, see above); the
 * descriptor stays non-blocking.
 * A FIFO, socket, directory or block device is refused as "PATH is a
 * FIFO: USE regular files or devices (a FIFO could block socktool)", USE
 * saying what the path is for ("logs go to").  Returns the descriptor,
 * or -1 with err.
 */
int	file_open(const char *path, int flags, mode_t mode, int accept,
	    const char *use, char *err, size_t errlen);

#endif
