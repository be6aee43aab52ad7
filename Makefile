# socktool — interactive socket debugger.  `make deps run` on a fresh Debian
# machine; `make check` runs every test; `make asan check` the same under
# AddressSanitizer + UndefinedBehaviorSanitizer.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra -Wformat=2 -Wshadow
READLINE_CFLAGS	?= $(shell pkg-config --cflags readline 2>/dev/null)
READLINE_LIBS	?= $(shell pkg-config --libs readline 2>/dev/null || echo -lreadline)
OPENSSL_CFLAGS	?= $(shell pkg-config --cflags openssl 2>/dev/null)
OPENSSL_LIBS	?= $(shell pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto)
# socktool itself dlopen()s OpenSSL on first TLS use (src/ossl.c), so
# OPENSSL_LIBS links only the unit test that calls OpenSSL directly.
DL_LIBS		?= -ldl
CARES_CFLAGS	?= $(shell pkg-config --cflags libcares 2>/dev/null)
CARES_LIBS	?= $(shell pkg-config --libs libcares 2>/dev/null || echo -lcares)
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARN) $(READLINE_CFLAGS) $(OPENSSL_CFLAGS) $(CARES_CFLAGS) $(CFLAGS)
LIBS	 = $(READLINE_LIBS) $(CARES_LIBS) $(DL_LIBS)

# `make asan ...` builds into build-asan/ with the sanitizers on.
ifneq ($(filter asan,$(MAKECMDGOALS)),)
BUILD	 = build-asan
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
else
BUILD	 = build
SANITIZE =
endif

SRCS	 = src/main.c src/loop.c src/term.c src/cmd.c src/cmd_session.c \
	   src/cmd_data.c src/cmd_script.c src/cmd_net.c src/session.c src/settings.c \
	   src/net.c src/buf.c src/codec.c src/out.c src/enc.c \
	   src/frame.c src/pipe.c src/transport.c src/tr_stream.c \
	   src/tr_listen.c src/tr_connect.c src/tr_dgram.c src/pcapng.c src/log.c src/cmd_log.c src/event.c src/sockopt.c \
	   src/ossl.c src/tls.c src/tls_cert.c src/tr_tls.c src/cmd_tls.c src/check.c src/fill.c src/pace.c \
	   src/relay.c src/cmd_relay.c src/proc.c src/cmd_util.c \
	   src/resolve.c src/ports.c src/cmd_probe.c \
	   src/cmd_ping.c src/cmd_names.c src/file.c
OBJS	 = $(SRCS:src/%.c=$(BUILD)/%.o)
BIN	 = $(BUILD)/socktool
UNIT	 = $(BUILD)/test_codec $(BUILD)/test_cmd $(BUILD)/test_buf \
	   $(BUILD)/test_loop $(BUILD)/test_frame $(BUILD)/test_pcapng \
	   $(BUILD)/test_check $(BUILD)/test_fill $(BUILD)/test_pace \
	   $(BUILD)/test_tls $(BUILD)/test_proc $(BUILD)/test_ports \
	   $(BUILD)/test_out

.PHONY: all asan deps run check unit install uninstall clean bench fuzz
all: $(BIN) socktool

socktool: $(BIN)
	ln -sf $(BIN) socktool

asan: $(BIN)
	@:

$(BUILD)/%.o: src/%.c src/*.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) $(SANITIZE) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/test_codec: tests/unit/test_codec.c src/codec.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_codec.c src/codec.c src/buf.c

$(BUILD)/test_buf: tests/unit/test_buf.c src/buf.c src/buf.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_buf.c src/buf.c

$(BUILD)/test_loop: tests/unit/test_loop.c src/loop.c src/buf.c src/loop.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_loop.c src/loop.c src/buf.c

$(BUILD)/test_frame: tests/unit/test_frame.c src/frame.c src/codec.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_frame.c src/frame.c src/codec.c src/buf.c

$(BUILD)/test_out: tests/unit/test_out.c src/out.c src/codec.c src/enc.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_out.c src/out.c src/codec.c src/enc.c src/buf.c

$(BUILD)/test_ports: tests/unit/test_ports.c src/ports.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_ports.c src/ports.c src/buf.c

$(BUILD)/test_proc: tests/unit/test_proc.c src/proc.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_proc.c src/proc.c src/buf.c

$(BUILD)/test_tls: tests/unit/test_tls.c src/tls_cert.c src/ossl.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_tls.c src/tls_cert.c src/ossl.c src/buf.c $(OPENSSL_LIBS) $(DL_LIBS)

$(BUILD)/test_pcapng: tests/unit/test_pcapng.c src/pcapng.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_pcapng.c src/pcapng.c src/buf.c

$(BUILD)/test_check: tests/unit/test_check.c src/check.c src/codec.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_check.c src/check.c src/codec.c src/buf.c

$(BUILD)/test_fill: tests/unit/test_fill.c src/fill.c src/codec.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_fill.c src/fill.c src/codec.c src/buf.c

$(BUILD)/test_pace: tests/unit/test_pace.c src/pace.c src/codec.c src/buf.c src/*.h tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_pace.c src/pace.c src/codec.c src/buf.c

$(BUILD)/test_cmd: tests/unit/test_cmd.c $(filter-out $(BUILD)/main.o,$(OBJS)) tests/unit/tap.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -Isrc $(LDFLAGS) -o $@ tests/unit/test_cmd.c $(filter-out $(BUILD)/main.o,$(OBJS)) $(LIBS)

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y build-essential \
	    pkg-config libreadline-dev libssl-dev libc-ares-dev openssl \
	    socat ncat python3 tmux mandoc iproute2 util-linux bsdextrautils tshark \
	    xxd iperf3 netcat-openbsd

run: all
	./$(BIN)

unit: $(UNIT)

check: $(BIN) $(UNIT)
	SOCKTOOL=$(CURDIR)/$(BIN) BUILD=$(BUILD) tests/run-tests

bench: build/socktool
	tests/bench/run
	tests/bench/rate
	tests/bench/tls
	tests/bench/relay
	tests/bench/probe

# libFuzzer targets (clang): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(READLINE_CFLAGS) \
	     -fsanitize=fuzzer,address,undefined
LIBSRCS	 = $(filter-out src/main.c,$(SRCS))
fuzz:
	mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_codec tests/fuzz/fuzz_codec.c \
	    src/codec.c src/buf.c
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_parse tests/fuzz/fuzz_parse.c \
	    $(LIBSRCS) $(LIBS)
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_frame tests/fuzz/fuzz_frame.c \
	    src/frame.c src/codec.c src/buf.c
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_fill tests/fuzz/fuzz_fill.c \
	    src/fill.c src/check.c src/codec.c src/buf.c
	mkdir -p build-fuzz/corpus-codec build-fuzz/corpus-parse build-fuzz/corpus-frame \
	    build-fuzz/corpus-fill
	build-fuzz/fuzz_codec -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-codec tests/fuzz/corpus
	build-fuzz/fuzz_parse -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-parse tests/fuzz/corpus
	build-fuzz/fuzz_frame -max_total_time=$(FUZZ_SECONDS) -max_len=20000 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-frame
	build-fuzz/fuzz_fill -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-fill

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/socktool
	install -m 644 man/socktool.1 $(DESTDIR)$(MANDIR)/man1/socktool.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/socktool $(DESTDIR)$(MANDIR)/man1/socktool.1

clean:
	rm -rf build build-asan build-fuzz socktool
