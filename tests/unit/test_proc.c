/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_proc.c — TAP unit tests for src/proc.c on /proc/net text captured
 * from a little-endian Linux host (addresses are host-order words). */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "tap.h"

#define T(s)	(s), (sizeof(s) - 1)

static const char tcp4[] =
"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 4242 1 000000003703e2f6 100 0 0 10 0                       \n"
"   1: 0100007F:1F90 0100007F:D431 01 00000010:00000000 01:00000014 00000000  1000        0 4243 3 00000000fb337ff3 20 4 30 10 -1                      \n"
"   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 120 1 0000000000000000 100 0 0 10 0\n"
"   3: 0100007F:B9E8 0100007F:B45B 06 00000000:00000000 03:00000A9E 00000000     0        0 0 3 00000000fb337ff3\n"
/* malformed: bad hex digit, address of 6 digits, cut short, no inode,
 * port of 5 digits, not a row at all */
"   4: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
"   5: 01007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
"   6: 0100007F:1F90 00000000:0000 0A\n"
"   7: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0\n"
"   8: 0100007F:11F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9 1\n"
"hello world\n"
"\n";

static const char tcp6[] =
"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
"   0: 00000000000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0\n"
"   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:A0C3 01 00000000:00000000 00:00000000 00000000  1000        0 5002 1 0000000000000000 20 4 30 10 -1\n"
"   2: 000080FE00000000000000000100000A:0050 00000000000000000000000001000000:881B 08 00000000:00000000 00:00000000 00000000    33        0 5003 1 0000000000000000\n"
/* malformed: local IPv6, remote IPv4 */
"   3: 00000000000000000000000001000000:01BB 0100007F:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5004 1\n";

static const char udp4[] =
"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            \n"
"  411: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   102        0 7001 2 0000000000000000 0         \n"
"  500: 0100007F:C350 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 7002 2 0000000000000000 0         \n";

static const char unixt[] =
"Num       RefCount Protocol Flags    Type St Inode Path\n"
"0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/dbus/system_bus_socket\n"
"0000000000000000: 00000003 00000000 00000000 0001 03 23457\n"
"00000000f4c271e3: 00000003 00000000 00000000 0001 03   117\n"
"0000000000000000: 00000002 00000000 00000000 0002 01 23458 @/tmp/.X11-unix/X0\n"
"0000000000000000: 00000002 00000000 00010000 0005 01 23459 /tmp/with two  spaces\n"
"0000000000000000: 00000002 00000000 00010000 0001 01   999 /tmp/ctl\001byte\033[2J\n"
"0000000000000000: 00000002 00000000 00000000 0002 03 23460 \n"
/* malformed: short, inode not a number, no colon after Num */
"0000000000000000: 00000002 00000000\n"
"0000000000000000: 00000002 00000000 00000000 0001 01 12x4 /x\n"
"0000000000000000 00000002 00000000 00000000 0001 01 1234 /x\n"
"complete nonsense\n";

static void
addr_is(int family, const unsigned char *a, const char *want,
    const char *what)
{
	char got[INET6_ADDRSTRLEN];

	if (inet_ntop(family, a, got, sizeof got) == NULL)
		strcpy(got, "?");
	is_str(got, want, "%s: %s", what, want);
}

static void
test_tcp4(void)
{
	struct proc_inet *r;
	size_t n, bad;

	proc_parse_inet(T(tcp4), PROC_TCP, &r, &n, &bad);
	is_int(n, 4, "tcp: 4 rows");
	is_int(bad, 6, "tcp: 6 malformed lines skipped, header not counted");
	if (n < 4) {
		free(r);
		return;
	}
	is_int(r[0].family, AF_INET, "listener is IPv4");
	addr_is(AF_INET, r[0].laddr, "127.0.0.1", "listener local");
	is_int(r[0].lport, 8080, "listener port 8080");
	addr_is(AF_INET, r[0].raddr, "0.0.0.0", "listener remote");
	is_int(r[0].rport, 0, "listener remote port 0");
	is_str(r[0].state_name, "LISTEN", "0A is LISTEN");
	is_int(r[0].uid, 1000, "uid");
	is_int(r[0].inode, 4242, "inode");
	is_int(r[0].rx_queue, 3, "rx_queue");
	is_int(r[0].proto, PROC_TCP, "proto tcp");

	is_str(r[1].state_name, "ESTAB", "01 is ESTAB");
	is_int(r[1].rport, 54321, "established remote port");
	addr_is(AF_INET, r[1].raddr, "127.0.0.1", "established remote");
	is_int(r[1].tx_queue, 16, "tx_queue");
	is_int(r[1].inode, 4243, "established inode");

	addr_is(AF_INET, r[2].laddr, "0.0.0.0", "wildcard listener");
	is_int(r[2].lport, 22, "port 22");
	is_int(r[2].uid, 0, "root");
	is_str(r[3].state_name, "TIME-WAIT", "06 is TIME-WAIT");
	is_int(r[3].inode, 0, "time-wait has no inode");
	free(r);
}

static void
test_tcp6(void)
{
	struct proc_inet *r;
	size_t n, bad;

	proc_parse_inet(T(tcp6), PROC_TCP, &r, &n, &bad);
	is_int(n, 3, "tcp6: 3 rows");
	is_int(bad, 1, "tcp6: mixed families skipped");
	if (n < 3) {
		free(r);
		return;
	}
	is_int(r[0].family, AF_INET6, "IPv6 row");
	addr_is(AF_INET6, r[0].laddr, "::1", "::1 listener");
	addr_is(AF_INET6, r[0].raddr, "::", ":: remote");
	is_int(r[0].lport, 443, "port 443");
	is_str(r[0].state_name, "LISTEN", "IPv6 LISTEN");
	addr_is(AF_INET6, r[1].laddr, "::ffff:127.0.0.1", "v4-mapped local");
	addr_is(AF_INET6, r[1].raddr, "::ffff:127.0.0.1", "v4-mapped remote");
	is_int(r[1].rport, 0xa0c3, "v4-mapped remote port");
	is_str(r[1].state_name, "ESTAB", "v4-mapped ESTAB");
	addr_is(AF_INET6, r[2].laddr, "fe80::a00:1", "link-local words");
	is_str(r[2].state_name, "CLOSE-WAIT", "08 is CLOSE-WAIT");
	is_int(r[2].uid, 33, "uid 33");
	is_int(r[2].inode, 5003, "inode 5003");
	free(r);
}

static void
test_udp(void)
{
	struct proc_inet *r;
	size_t n, bad;

	proc_parse_inet(T(udp4), PROC_UDP, &r, &n, &bad);
	is_int(n, 2, "udp: 2 rows");
	is_int(bad, 0, "udp: nothing skipped (header with three spaces)");
	if (n < 2) {
		free(r);
		return;
	}
	is_str(r[0].state_name, "UNCONN", "udp 07 is UNCONN");
	is_int(r[0].lport, 53, "udp port 53");
	is_int(r[0].proto, PROC_UDP, "proto udp");
	is_str(r[1].state_name, "ESTAB", "connected udp is ESTAB");
	is_int(r[1].rport, 53, "connected udp remote port");
	free(r);
}

static void
test_unix(void)
{
	struct proc_unix *r;
	size_t n, bad;

	proc_parse_unix(T(unixt), &r, &n, &bad);
	is_int(n, 7, "unix: 7 rows");
	is_int(bad, 4, "unix: 4 malformed lines skipped");
	if (n < 7) {
		free(r);
		return;
	}
	is_str(r[0].path, "/run/dbus/system_bus_socket", "path");
	ok(r[0].listening, "ACCEPTCON is listening");
	is_str(r[0].state_name, "LISTEN", "LISTEN");
	is_str(r[0].type_name, "u_str", "stream");
	is_int(r[0].inode, 23456, "inode");
	is_str(r[1].path, "", "unnamed socket: no path");
	is_str(r[1].state_name, "ESTAB", "connected stream is ESTAB");
	ok(!r[1].listening, "connected is not listening");
	is_int(r[2].inode, 117, "inode padded with blanks");
	is_str(r[2].path, "", "unnamed, padded");
	is_str(r[3].path, "@/tmp/.X11-unix/X0", "abstract name keeps its @");
	is_str(r[3].type_name, "u_dgr", "dgram");
	is_str(r[3].state_name, "UNCONN", "unconnected dgram is UNCONN");
	is_str(r[4].path, "/tmp/with two  spaces", "blanks inside a path kept");
	is_str(r[4].type_name, "u_seq", "seqpacket");
	is_str(r[5].path, "/tmp/ctl\001byte\033[2J",
	    "control bytes kept raw for the caller to escape");
	is_int(r[5].inode, 999, "inode 999");
	is_str(r[6].path, "", "a trailing blank is no path");
	is_str(r[6].state_name, "ESTAB", "connected dgram is ESTAB");
	free(r);
}

/* The line parser (net.c's stale-socket check reads /proc/net/unix line
 * by line) is the whole-text parser's: the same rows from the same lines. */
static void
test_unix_line(void)
{
	struct proc_unix *v, r;
	size_t n, pos = 0, rows = 0, same = 0;

	ok(proc_parse_unix_line(T("Num       RefCount Protocol Flags    Type "
	    "St Inode Path"), &r) == -1, "the header is no row");
	ok(proc_parse_unix_line("", 0, &r) == -1, "an empty line is no row");
	ok(proc_parse_unix_line(T("   "), &r) == -1, "a blank line is no row");
	ok(proc_parse_unix_line(T("0000000000000000: 00000002 00000000 "
	    "00010000 0001 01 23456 /run/s"), &r) == 0 && r.listening &&
	    strcmp(r.path, "/run/s") == 0 && r.inode == 23456,
	    "a listening stream socket and its path");
	ok(proc_parse_unix_line(T("0000000000000000: 00000002 00000000 "
	    "00010000 0005 01 23459 /run/q"), &r) == 0 && r.listening &&
	    r.type == SOCK_SEQPACKET, "a listening seqpacket socket");
	ok(proc_parse_unix_line(T("0000000000000000: 00000003 00000000 "
	    "00000000 0001 03 23457 /run/s"), &r) == 0 && !r.listening &&
	    strcmp(r.path, "/run/s") == 0,
	    "a connected socket on the same path is not listening");
	ok(proc_parse_unix_line(T("0000000000000000: 00000002 00000000 "
	    "00010000 0001 01 23456  /run/s"), &r) == 0 &&
	    strcmp(r.path, " /run/s") == 0,
	    "one blank ends the inode: a second starts the (relative) path");
	ok(proc_parse_unix_line(T("0000000000000000: 00000002 00000000 "
	    "00010000 0001 01 23456 /run/s\n"), &r) == 0 &&
	    strcmp(r.path, "/run/s\n") == 0,
	    "the line is taken as given: a newline left in is in the path");

	proc_parse_unix(T(unixt), &v, &n, NULL);
	while (pos < sizeof unixt - 1) {
		const char *l = unixt + pos;
		size_t len = strcspn(l, "\n");

		pos += len + 1;
		if (proc_parse_unix_line(l, len, &r) == -1)
			continue;
		if (rows < n && r.type == v[rows].type &&
		    r.listening == v[rows].listening && r.st == v[rows].st &&
		    r.inode == v[rows].inode &&
		    strcmp(r.path, v[rows].path) == 0 &&
		    strcmp(r.type_name, v[rows].type_name) == 0 &&
		    strcmp(r.state_name, v[rows].state_name) == 0)
			same++;
		rows++;
	}
	is_int(rows, n, "line by line: as many rows as the whole text");
	is_int(same, n, "line by line: the same rows");
	free(v);
}

static void
test_edges(void)
{
	struct proc_inet *r;
	struct proc_unix *u;
	size_t n, bad;
	static const char nonl[] =
	    "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000     0        0 77 1";
	static const char big[] =
	    "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000 99999999999        0 77 1\n"
	    "   1: 0100007F:0050 00000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000 0 0 99999999999999999999999\n";

	proc_parse_inet("", 0, PROC_TCP, &r, &n, &bad);
	ok(n == 0 && bad == 0, "empty text: no rows");
	free(r);
	proc_parse_inet(T(nonl), PROC_TCP, &r, &n, NULL);
	ok(n == 1 && r[0].inode == 77 && r[0].lport == 80,
	    "no header, no final newline: one row");
	free(r);
	proc_parse_inet(T(big), PROC_TCP, &r, &n, &bad);
	ok(n == 0 && bad == 2, "uid and inode out of range are skipped");
	free(r);
	proc_parse_unix(T("Num       RefCount Protocol Flags    Type St Inode "
	    "Path\n"), &u, &n, &bad);
	ok(n == 0 && bad == 0, "unix header only: no rows");
	free(u);
	is_str(proc_state_name(0x0c), "SYN-RECV", "NEW_SYN_RECV");
	is_str(proc_state_name(200), "UNKNOWN", "unknown state");
}

int
main(void)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	printf("1..0 # SKIP samples were captured on a little-endian host\n");
	return 0;
#endif
	test_tcp4();
	test_tcp6();
	test_udp();
	test_unix();
	test_unix_line();
	test_edges();
	return done_testing();
}
