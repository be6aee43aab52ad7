/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_mock.h — `mock`: a server that plays the remote side of a
 * recording (role_mock.c). */
#ifndef SOCKTOOL_ROLE_MOCK_H
#define SOCKTOOL_ROLE_MOCK_H

struct session;
struct rec_conv;

/* Register the tap (once, at start-up). */
void	mock_init(void);
/* Make the listening srv a mock of conv (which it takes over: conv is
 * left empty). */
void	mock_attach(struct session *srv, struct rec_conv *conv);

#endif
