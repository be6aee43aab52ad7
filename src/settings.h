/* settings.h — per-session settings (`set`): one table of names, accepted
 * values, parsers and formatters, shared by `set`, `show` and completion. */
#ifndef SOCKTOOL_SETTINGS_H
#define SOCKTOOL_SETTINGS_H

#include <stddef.h>

#include "buf.h"
#include "session.h"

struct setting_def {
	const char	*name;
	const char	*values;	/* "a|b|c" for completion, or NULL */
	const char	*help;
	/* Parse value into s; -1 with err on a bad value (s untouched). */
	int		(*apply)(struct settings *s, const char *value,
			    char *err, size_t errlen);
	void		(*format)(const struct settings *s, struct buf *out);
};

extern const struct setting_def setting_defs[];

const struct setting_def *setting_find(const char *name);

#endif
