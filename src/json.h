/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.h — a JSON object builder: one object per event or result, keys in
 * the order written, strings escaped (codec_json_str), "ts" first. */
#ifndef SOCKTOOL_JSON_H
#define SOCKTOOL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct json {
	struct buf	b;
	int		comma;
};
/* {"ts":"<now, RFC 3339>","event":EVENT */
void	j_begin(struct json *, const char *event);
void	j_key(struct json *, const char *key);	/* NULL inside arrays */
void	j_str(struct json *, const char *key, const char *v);	/* NULL: null */
void	j_strn(struct json *, const char *key, const char *v, size_t n);
void	j_u64(struct json *, const char *key, uint64_t v);
void	j_int(struct json *, const char *key, int64_t v);
void	j_bool(struct json *, const char *key, int v);
void	j_null(struct json *, const char *key);
void	j_obj(struct json *, const char *key);
void	j_arr(struct json *, const char *key);
void	j_close_obj(struct json *);
void	j_close_arr(struct json *);
/* Close the top object into dst as one line ("}\n"); free the builder. */
void	j_finish(struct json *, struct buf *dst);

#endif
