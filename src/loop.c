/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loop.c — epoll-backed reactor behind the small API of loop.h (Linux first);
 * a portable poll() backend is selected when epoll is not available. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "loop.h"

#ifdef __linux__
#include <sys/epoll.h>
#define LOOP_EPOLL 1
#else
#include <poll.h>
#endif

struct loop_fd {
	loop_fd_cb	 cb;
	void		*arg;
	int		 mask;
	int		 used;
	uint32_t	 gen;	/* bumped on every add, so stale events are dropped */
};

struct loop_timer {
	uint64_t	 id;
	uint64_t	 when;
	loop_timer_cb	 cb;
	void		*arg;
};

static struct loop_fd	*fds;
static int		 nfds_alloc;
static int		 nused;
static struct loop_timer *timers;	/* binary min-heap on (when, id) */
static size_t		 ntimers, timers_alloc;
static uint64_t		 next_timer_id = 1;
static uint64_t		 now_ms;
#ifdef LOOP_EPOLL
static int		 epfd = -1;
#endif

static void
loop_update_clock(void)
{
	now_ms = clock_ms();
}

uint64_t
loop_now(void)
{
	return now_ms;
}

int
loop_init(char *err, size_t errlen)
{
	loop_update_clock();
#ifdef LOOP_EPOLL
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		return -1;
	}
#else
	(void)err;
	(void)errlen;
#endif
	return 0;
}

void
loop_free(void)
{
#ifdef LOOP_EPOLL
	if (epfd != -1) {
		close(epfd);
		epfd = -1;
	}
#endif
	free(fds);
	fds = NULL;
	nfds_alloc = nused = 0;
	free(timers);
	timers = NULL;
	ntimers = timers_alloc = 0;
}

#ifdef LOOP_EPOLL
static uint32_t
loop_epoll_mask(int mask)
{
	uint32_t ev = 0;

	if (mask & LOOP_READ)
		ev |= EPOLLIN;
	if (mask & LOOP_WRITE)
		ev |= EPOLLOUT;
	return ev;
}
#endif

int
loop_add(int fd, int mask, loop_fd_cb cb, void *arg)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (fd >= nfds_alloc) {
		int n = nfds_alloc ? nfds_alloc : 64;

		while (n <= fd)
			n *= 2;
		fds = xrealloc(fds, (size_t)n * sizeof *fds);
		memset(fds + nfds_alloc, 0,
		    (size_t)(n - nfds_alloc) * sizeof *fds);
		nfds_alloc = n;
	}
	if (fds[fd].used) {
		errno = EEXIST;
		return -1;
	}
#ifdef LOOP_EPOLL
	{
		struct epoll_event ev;

		memset(&ev, 0, sizeof ev);
		ev.events = loop_epoll_mask(mask);
		ev.data.u64 = ((uint64_t)(fds[fd].gen + 1) << 32) |
		    (uint32_t)fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
			return -1;
	}
#endif
	fds[fd].gen++;
	fds[fd].cb = cb;
	fds[fd].arg = arg;
	fds[fd].mask = mask;
	fds[fd].used = 1;
	nused++;
	return 0;
}

void
loop_set(int fd, int mask)
{
	if (fd < 0 || fd >= nfds_alloc || !fds[fd].used ||
	    fds[fd].mask == mask)
		return;
#ifdef LOOP_EPOLL
	{
		struct epoll_event ev;

		memset(&ev, 0, sizeof ev);
		ev.events = loop_epoll_mask(mask);
		ev.data.u64 = ((uint64_t)fds[fd].gen << 32) | (uint32_t)fd;
		epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
	}
#endif
	fds[fd].mask = mask;
}

void
loop_del(int fd)
{
	if (fd < 0 || fd >= nfds_alloc || !fds[fd].used)
		return;
#ifdef LOOP_EPOLL
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
#endif
	fds[fd].used = 0;
	fds[fd].cb = NULL;
	fds[fd].arg = NULL;
	fds[fd].mask = 0;
	nused--;
}

/* Timer heap. */
static int
timer_less(const struct loop_timer *a, const struct loop_timer *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->id < b->id;
}

static void
timer_swap(size_t i, size_t j)
{
	struct loop_timer t = timers[i];

	timers[i] = timers[j];
	timers[j] = t;
}

static void
timer_up(size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!timer_less(&timers[i], &timers[p]))
			break;
		timer_swap(i, p);
		i = p;
	}
}

static void
timer_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < ntimers && timer_less(&timers[l], &timers[m]))
			m = l;
		if (r < ntimers && timer_less(&timers[r], &timers[m]))
			m = r;
		if (m == i)
			break;
		timer_swap(i, m);
		i = m;
	}
}

static void
timer_remove_at(size_t i)
{
	ntimers--;
	if (i == ntimers)
		return;
	timers[i] = timers[ntimers];
	timer_down(i);
	timer_up(i);
}

uint64_t
loop_timer_add(uint64_t ms, loop_timer_cb cb, void *arg)
{
	uint64_t id;

	if (ntimers == timers_alloc) {
		timers_alloc = timers_alloc ? timers_alloc * 2 : 16;
		timers = xrealloc(timers, timers_alloc * sizeof *timers);
	}
	loop_update_clock();
	id = next_timer_id++;
	timers[ntimers].id = id;
	/* The clock counts whole milliseconds: now may be most of one past
	 * now_ms, so a timer of ms > 0 is due one later, never early (a
	 * `sleep 300ms` is at least 300 ms).  0 stays "the next turn". */
	timers[ntimers].when = now_ms + ms + (ms > 0);
	timers[ntimers].cb = cb;
	timers[ntimers].arg = arg;
	ntimers++;
	/* The new entry may move up the heap: return the id kept aside. */
	timer_up(ntimers - 1);
	return id;
}

void
loop_timer_del(uint64_t id)
{
	size_t i;

	/* Linear: timers are few (one per pending command or repeating send). */
	for (i = 0; i < ntimers; i++) {
		if (timers[i].id == id) {
			timer_remove_at(i);
			return;
		}
	}
}

static int
loop_run_timers(void)
{
	int ran = 0;

	loop_update_clock();
	/* Bounded so a timer that re-arms itself at 0 ms cannot starve I/O. */
	while (ntimers > 0 && timers[0].when <= now_ms && ran < 1024) {
		struct loop_timer t = timers[0];

		timer_remove_at(0);
		t.cb(t.arg);
		ran++;
	}
	return ran;
}

static int
loop_timeout(int max_ms)
{
	int64_t t;

	if (ntimers == 0)
		return max_ms;
	t = (int64_t)timers[0].when - (int64_t)now_ms;
	if (t < 0)
		t = 0;
	if (max_ms >= 0 && t > max_ms)
		t = max_ms;
	return t > 1000000 ? 1000000 : (int)t;
}

#ifdef LOOP_EPOLL
int
loop_run_once(int max_ms)
{
	struct epoll_event ev[256];
	int n, i, ran = 0;

	loop_update_clock();
	n = epoll_wait(epfd, ev, 256, loop_timeout(max_ms));
	loop_update_clock();
	if (n == -1 && errno != EINTR)
		return -1;
	for (i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		int events = 0;

		/* An earlier callback in this batch may have removed the fd,
		 * or removed it and registered a new socket on the same
		 * number: the generation tells them apart. */
		if (fd >= nfds_alloc || !fds[fd].used || fds[fd].gen != gen)
			continue;
		if (ev[i].events & EPOLLIN)
			events |= LOOP_READ;
		if (ev[i].events & EPOLLOUT)
			events |= LOOP_WRITE;
		if (ev[i].events & EPOLLHUP)
			events |= LOOP_HUP;
		if (ev[i].events & EPOLLERR)
			events |= LOOP_ERR;
		fds[fd].cb(fd, events, fds[fd].arg);
		ran++;
	}
	return ran + loop_run_timers();
}
#else
int
loop_run_once(int max_ms)
{
	static struct pollfd *pfd;
	static uint32_t *pgen;
	static size_t palloc;
	size_t np = 0, i;
	int n, ran = 0;

	if (palloc < (size_t)nfds_alloc) {
		palloc = (size_t)nfds_alloc;
		pfd = xrealloc(pfd, palloc * sizeof *pfd);
		pgen = xrealloc(pgen, palloc * sizeof *pgen);
	}
	for (i = 0; i < (size_t)nfds_alloc; i++) {
		if (!fds[i].used)
			continue;
		pfd[np].fd = (int)i;
		pfd[np].events = 0;
		if (fds[i].mask & LOOP_READ)
			pfd[np].events |= POLLIN;
		if (fds[i].mask & LOOP_WRITE)
			pfd[np].events |= POLLOUT;
		pfd[np].revents = 0;
		pgen[np] = fds[i].gen;
		np++;
	}
	loop_update_clock();
	n = poll(pfd, np, loop_timeout(max_ms));
	loop_update_clock();
	if (n == -1 && errno != EINTR)
		return -1;
	for (i = 0; n > 0 && i < np; i++) {
		int fd = pfd[i].fd, events = 0;

		if (pfd[i].revents == 0)
			continue;
		if (!fds[fd].used || fds[fd].gen != pgen[i])
			continue;
		if (pfd[i].revents & POLLIN)
			events |= LOOP_READ;
		if (pfd[i].revents & POLLOUT)
			events |= LOOP_WRITE;
		if (pfd[i].revents & POLLHUP)
			events |= LOOP_HUP;
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			events |= LOOP_ERR;
		fds[fd].cb(fd, events, fds[fd].arg);
		ran++;
	}
	return ran + loop_run_timers();
}
#endif
