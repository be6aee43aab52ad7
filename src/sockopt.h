/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sockopt.h — the socket options socktool knows, in one table read by
 * `sockopt`, `show`, completion and the usage errors: name, level and
 * option, value kind, and the sessions it applies to. */
#ifndef SOCKTOOL_SOCKOPT_H
#define SOCKTOOL_SOCKOPT_H

#include <stddef.h>

#include "buf.h"

struct session;

enum sockopt_kind { SOV_BOOL, SOV_INT, SOV_LINGER, SOV_TTL };

struct sockopt_def {
	const char	*name;
	int		 level, opt;	/* SOV_TTL: chosen per family */
	enum sockopt_kind kind;
	unsigned	 only;		/* KIND_* flags it needs, 0 = any */
	const char	*help;
};

extern const struct sockopt_def sockopt_defs[];

const struct sockopt_def *sockopt_find(const char *name);
/* "nodelay|keepalive|..." (sep between names). */
void	sockopt_names(struct buf *, const char *sep);
/* Does d apply to s? */
int	sockopt_applies(const struct session *, const struct sockopt_def *);
/* Whether s's descriptor has any option to show (a socket, not a tty). */
int	sockopt_any(const struct session *);
/* Why d does not apply to s, in words. */
void	sockopt_why_not(const struct session *, const struct sockopt_def *,
	    char *err, size_t errlen);
/* Current value as `sockopt` takes it (on|off, a number, off|seconds).
 * 0, or -1 with errno. */
int	sockopt_get(const struct session *, const struct sockopt_def *,
	    struct buf *out);
/* 0, or -1 with err. */
int	sockopt_set(const struct session *, const struct sockopt_def *,
	    const char *value, char *err, size_t errlen);

#endif
