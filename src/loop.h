/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loop.h — the single-threaded reactor: file descriptors with callbacks,
 * one-shot timers, and a stop flag.  Every socket and the keyboard are
 * serviced from here; nothing in socktool blocks except loop_run_once(). */
#ifndef SOCKTOOL_LOOP_H
#define SOCKTOOL_LOOP_H

#include <stdint.h>

#define LOOP_READ	0x1
#define LOOP_WRITE	0x2
/* Reported to callbacks only: hang-up or error condition on the fd. */
#define LOOP_HUP	0x4
#define LOOP_ERR	0x8

typedef void	(*loop_fd_cb)(int fd, int events, void *arg);
typedef void	(*loop_timer_cb)(void *arg);

int		 loop_init(char *err, size_t errlen);
void		 loop_free(void);

/* Register fd with an interest mask (may be 0).  One registration per fd. */
int		 loop_add(int fd, int mask, loop_fd_cb cb, void *arg);
/* Change the interest mask; cheap when unchanged. */
void		 loop_set(int fd, int mask);
/* Unregister; safe from inside any callback, including fd's own. */
void		 loop_del(int fd);

/* One-shot timer after ms milliseconds.  Returns an id > 0. */
uint64_t	 loop_timer_add(uint64_t ms, loop_timer_cb cb, void *arg);
/* Cancel a timer; unknown or already-fired ids are ignored. */
void		 loop_timer_del(uint64_t id);

/* Monotonic clock in milliseconds (cached per iteration). */
uint64_t	 loop_now(void);

/* Wait for events (at most max_ms, -1 = until something happens), run their
 * callbacks and due timers.  Returns the number of callbacks run. */
int		 loop_run_once(int max_ms);

#endif
