/* settings.c — the `set` table: parsing and formatting of each setting. */
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "settings.h"

static int
setting_choice(const char *value, const char *const *names, int *out,
    const char *what, char *err, size_t errlen)
{
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(value, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	snprintf(err, errlen, "bad %s value \"%.32s\"", what, value);
	return -1;
}

static const char *const display_names[] = { "text", "hex", "both", "none",
    NULL };
static const char *const onoff_names[] = { "off", "on", NULL };
static const char *const eol_names[] = { "lf", "crlf", "cr", "none", NULL };

static int
set_display(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, display_names, &s->display, "display", err,
	    errlen);
}

static void
fmt_display(const struct settings *s, struct buf *out)
{
	buf_puts(out, display_names[s->display]);
}

static int
set_show_sent(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, onoff_names, &s->show_sent, "show-sent", err,
	    errlen);
}

static void
fmt_show_sent(const struct settings *s, struct buf *out)
{
	buf_puts(out, onoff_names[s->show_sent]);
}

static int
set_timestamps(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, onoff_names, &s->timestamps, "timestamps",
	    err, errlen);
}

static void
fmt_timestamps(const struct settings *s, struct buf *out)
{
	buf_puts(out, onoff_names[s->timestamps]);
}

static int
set_max_display(struct settings *s, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (codec_parse_uint(v, 0, UINT32_MAX, &n) == -1) {
		snprintf(err, errlen, "bad max-display value \"%.32s\" "
		    "(bytes, 0 = unlimited)", v);
		return -1;
	}
	s->max_display = n;
	return 0;
}

static void
fmt_max_display(const struct settings *s, struct buf *out)
{
	buf_printf(out, "%llu", (unsigned long long)s->max_display);
}

static int
set_eol(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, eol_names, &s->eol, "eol", err, errlen);
}

static void
fmt_eol(const struct settings *s, struct buf *out)
{
	buf_puts(out, eol_names[s->eol]);
}

const struct setting_def setting_defs[] = {
	{ "display", "text|hex|both|none",
	  "how received and sent data is shown", set_display, fmt_display },
	{ "show-sent", "on|off", "show data as it is sent", set_show_sent,
	  fmt_show_sent },
	{ "timestamps", "on|off", "prefix events with the local time",
	  set_timestamps, fmt_timestamps },
	{ "max-display", NULL, "bytes of a message shown, 0 = all",
	  set_max_display, fmt_max_display },
	{ "eol", "lf|crlf|cr|none", "line ending added by attach", set_eol,
	  fmt_eol },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct setting_def *
setting_find(const char *name)
{
	const struct setting_def *d;

	for (d = setting_defs; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}
