/* session.h — the session table: every socket socktool owns is a numbered
 * session with a kind, a state, addresses, counters, settings and an output
 * queue.  Sockets are serviced here, from loop callbacks. */
#ifndef SOCKTOOL_SESSION_H
#define SOCKTOOL_SESSION_H

#include <stdint.h>
#include <stddef.h>

#include "buf.h"
#include "net.h"

enum sess_kind {
	K_TCP_SERVER,
	K_TCP_PEER,
	K_TCP_CLIENT,
	K_UDP,
	K_MCAST,
	K_UNIX_SERVER,
	K_UNIX_PEER,
	K_UNIX_CLIENT,
};

enum sess_state {
	S_CONNECTING,
	S_LISTENING,
	S_CONNECTED,
	S_BOUND,
	S_HALF_CLOSED,
	S_CLOSED,
};

enum disp_mode { DISP_TEXT, DISP_HEX, DISP_BOTH, DISP_NONE };
enum eol_mode { EOL_LF, EOL_CRLF, EOL_CR, EOL_NONE };
enum frame_mode { FR_RAW, FR_LINE, FR_DELIM, FR_LEN, FR_FIXED };
enum echo_mode { ECHO_OFF, ECHO_ON, ECHO_UPPER };

/* Auto-reply rules, shared between sessions that copied the same settings
 * and replaced (never changed in place) when a rule is added. */
struct reply_rule {
	struct buf	 pattern;
	struct buf	 response;
	char		*text;		/* as the user wrote it */
};
struct reply_rules {
	unsigned		 refs;
	size_t			 n;
	struct reply_rule	 r[];
};

/* Longest framed message: a bigger length header is reported, not
 * allocated. */
#define FRAME_MAX	(16u << 20)

struct settings {
	int		display;	/* enum disp_mode */
	int		show_sent;
	int		timestamps;
	uint64_t	max_display;	/* 0 = unlimited */
	int		eol;		/* enum eol_mode */
	char		encoding[32];
	int		framing;	/* enum frame_mode */
	unsigned	frame_arg;	/* len: header bytes; fixed: size */
	int		frame_le;	/* len: little-endian header */
	unsigned char	delim[16];
	size_t		delim_len;
	int		echo;		/* enum echo_mode */
	int		half_close;	/* peer EOF leaves us able to send */
	struct reply_rules *replies;
};

void		 settings_copy(struct settings *, const struct settings *);
void		 settings_release(struct settings *);

/* Soft bound of an output queue: a send is accepted while the queue holds
 * less than this, so memory per session stays below bound + one message. */
#define SESS_QUEUE_MAX		(4u << 20)
/* Window of received bytes that `expect` searches. */
#define SESS_EXPECT_MAX		(256u << 10)

struct session {
	unsigned		 id;
	enum sess_kind		 kind;
	enum sess_state		 state;
	int			 fd;
	struct session		*parent;	/* server of an accepted peer */
	unsigned		 npeers;
	unsigned		 max_peers;	/* 0 = no limit */
	struct net_cidr		*allow;
	size_t			 nallow;
	int			 all_ifaces;	/* listening on the wildcard */

	struct net_addr		 local, remote;
	char			 local_str[NET_ADDRSTRLEN];
	char			 remote_str[NET_ADDRSTRLEN];

	uint64_t		 rx_bytes, tx_bytes, rx_msgs, tx_msgs;
	uint64_t		 created_ms, reset_ms;

	struct settings		 set;
	struct buf		 outq;
	int			 closing;	/* close once outq drains */
	int			 destroying;
	int			 eof;		/* peer finished sending */
	uint64_t		 close_timer;
	uint64_t		 linger_timer;
	int			 wr_shut;	/* our FIN is sent */
	const char		*close_reason;

	/* Bytes of a framed message still incomplete. */
	struct buf		 frame;

	/* What `expect` and `wait` look at. */
	struct ring		 expwin;	/* received, not yet matched */
	uint64_t		 n_recv, n_accepted;
	uint64_t		 seen_recv, seen_accepted;

	/* Datagram endpoints. */
	struct net_addr		 to;		/* default destination */
	struct net_addr		 last_from;	/* source of the last datagram */
	int			 have_to, have_from;
	size_t			 rsize;		/* bytes read per datagram */
	size_t			 dgram_size;	/* real size of a truncated one */
	int			 dgram_retry;
	/* A unix server's socket file, removed on close if still ours. */
	char			*path;
	unsigned long		 path_ino;

	/* Outstanding connect: remaining addresses to try. */
	struct addrinfo		*ai_list, *ai_next;
	struct net_addr		 bindaddr;
	int			 have_bind;
	uint64_t		 connect_timer;
	uint64_t		 connect_deadline;
	char			 connect_err[256];
};

extern struct settings	 sess_defaults;

/* Table access. */
struct session	*sess_find(unsigned id);
/* Sessions in id order; the array is valid until the table changes. */
struct session **sess_all(size_t *n);
size_t		 sess_count(void);
unsigned	 sess_last_id(void);	/* highest id ever assigned */
const char	*sess_kind_name(enum sess_kind);
const char	*sess_state_name(enum sess_state);
int		 sess_is_server(const struct session *);
int		 sess_is_stream(const struct session *);

/* Creation.  On failure -1 with err filled, nothing left behind. */
struct session	*sess_tcp_server(const char *host, uint16_t port,
		    unsigned max_peers, struct net_cidr *allow, size_t nallow,
		    char *err, size_t errlen);
struct session	*sess_tcp_client(const char *host, uint16_t port,
		    const struct net_addr *bind, uint64_t timeout_ms,
		    char *err, size_t errlen);

struct session	*sess_udp(const char *host, uint16_t port,
		    const struct net_addr *to, int broadcast, size_t rsize,
		    char *err, size_t errlen);
struct session	*sess_udp_client(const char *host, uint16_t port,
		    char *err, size_t errlen);
struct session	*sess_mcast(const char *group, uint16_t port,
		    const char *iface, int ttl, int loop, char *err,
		    size_t errlen);
struct session	*sess_unix_server(const char *path, char *err, size_t errlen);
struct session	*sess_unix_client(const char *path, char *err, size_t errlen);

/* Queue bytes for sending (shows them as sent).  Returns 0, or -1 with err
 * when the session cannot send (closed, a server with no peers, ...). */
int		 sess_send(struct session *, const unsigned char *, size_t,
		    char *err, size_t errlen);
/* The same for a datagram session, to dest (NULL: its default, else the
 * last source). */
int		 sess_send_to(struct session *, const unsigned char *, size_t,
		    const struct net_addr *dest, char *err, size_t errlen);
/* Raw bytes onto a stream session (no display, no message count): the
 * bulk path of sendfile.  Returns -1 if the session was destroyed. */
int		 sess_write(struct session *, const unsigned char *, size_t);
/* Count one message sent (for data that went out through sess_write). */
void		 sess_count_msg_tx(struct session *);
/* Would a send be accepted now (queue below its bound)? */
int		 sess_can_queue(const struct session *);

/* Graceful close: queued data first.  Servers close their peers. */
void		 sess_close(struct session *, const char *reason);
/* Immediate close with reason and message; emits the closed event. */
void		 sess_destroy(struct session *, const char *reason,
		    const char *msg);
/* Bytes still queued in any session (for the end-of-input flush). */
size_t		 sess_total_queued(void);
void		 sess_close_all(void);
void		 sess_close_everything(void);

void		 sess_reset_counters(struct session *);
const char	*sess_last_close_msg(unsigned id);
/* Unconsumed received bytes of a recently closed session, or NULL. */
struct ring	*sess_zombie_data(unsigned id);

#endif
