/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ossl.c — load OpenSSL on first use (see ossl.h): dlopen() libcrypto and
 * libssl of the major version the headers are from, and look up every
 * function in ossl_syms.h.  All or nothing: a missing one leaves TLS
 * unavailable and says which. */
#include <dlfcn.h>
#include <stdio.h>

#include "ossl.h"

#define X(lib, name)	__typeof__(name) *ossl_##name;
#include "ossl_syms.h"
#undef X

enum ossl_lib { OSSL_crypto, OSSL_ssl };

static const struct {
	const char	*name;
	enum ossl_lib	 lib;
	void		**ptr;
} ossl_syms[] = {
#define X(lib, name)	{ #name, OSSL_##lib, (void **)&ossl_##name },
#include "ossl_syms.h"
#undef X
};

/* libssl.so.3 for OpenSSL 3: the soname follows the headers' version. */
#define OSSL_STR(x)	#x
#define OSSL_XSTR(x)	OSSL_STR(x)
#define OSSL_SOVER	OSSL_XSTR(OPENSSL_VERSION_MAJOR)

static int	ossl_state;		/* 0 not tried, 1 loaded, -1 failed */
static char	ossl_err[256];

int
ossl_load(char *err, size_t errlen)
{
	static const char *const files[] = {
		"libcrypto.so." OSSL_SOVER, "libssl.so." OSSL_SOVER
	};
	void *h[2];
	size_t i;

	if (ossl_state == 0) {
		ossl_state = -1;
		for (i = 0; i < 2; i++) {
			/* Never closed: the pointers stay valid for the run. */
			h[i] = dlopen(files[i], RTLD_NOW | RTLD_LOCAL);
			if (h[i] == NULL) {
				snprintf(ossl_err, sizeof ossl_err, "TLS is not "
				    "available: %s", dlerror());
				goto out;
			}
		}
		for (i = 0; i < sizeof ossl_syms / sizeof ossl_syms[0]; i++) {
			*ossl_syms[i].ptr = dlsym(h[ossl_syms[i].lib],
			    ossl_syms[i].name);
			if (*ossl_syms[i].ptr == NULL) {
				snprintf(ossl_err, sizeof ossl_err, "TLS is not "
				    "available: %s has no %s", files[
				    ossl_syms[i].lib], ossl_syms[i].name);
				goto out;
			}
		}
		ossl_state = 1;
	}
out:
	if (ossl_state == 1)
		return 0;
	snprintf(err, errlen, "%s", ossl_err);
	return -1;
}
