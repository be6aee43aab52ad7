/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_parse.c — libFuzzer target for the pure parsers around commands:
 * tokenizer, command lookup, completion, settings values, addresses.  It
 * never runs a command (that could open sockets to arbitrary addresses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "addr.h"
#include "net.h"
#include "session.h"
#include "settings.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256], host[256], port[16], **v;
	struct cmd_token *t;
	const struct setting_def *d;
	struct settings set;
	struct addr_cidr *c;
	size_t n, i;
	uint16_t p;

	memcpy(s, data, size);
	s[size] = '\0';
	if (cmd_tokenize(s, size, &t, &n, err, sizeof err) == 0) {
		for (i = 0; i < n; i++)
			if (t[i].start > t[i].end || t[i].end > size)
				abort();
		cmd_tokens_free(t, n);
	}
	cmd_lookup(s, err, sizeof err);
	v = cmd_complete(s, "");
	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
	for (d = setting_defs; d->name != NULL; d++) {
		settings_copy(&set, &settings_default);
		d->apply(&set, s, err, sizeof err);
		settings_release(&set);
	}
	addr_split_hostport(s, host, sizeof host, port, sizeof port, err,
	    sizeof err);
	net_parse_port(s, 1, &p, err, sizeof err);
	if (addr_cidr_parse(s, &c, &n, err, sizeof err) == 0)
		free(c);
	free(s);
	return 0;
}
