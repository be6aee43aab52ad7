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
# Preprocessor flags (the libraries', then yours: CPPFLAGS) and compiler
# flags (yours last: CFLAGS).  -MMD -MP: each compile also writes a .d file
# naming the headers it read (included at the end), so a changed header
# rebuilds exactly what uses it.
ALL_CPPFLAGS	 = -D_GNU_SOURCE $(READLINE_CFLAGS) $(OPENSSL_CFLAGS) $(CARES_CFLAGS) $(PCRE2_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS	 = -std=c11 $(WARN) $(CFLAGS)
DEPFLAGS	 = -MMD -MP
# PCRE2 (8-bit code units, no UTF): the /REGEX/ reply rules (src/rx.c).
PCRE2_CFLAGS	?= $(shell pkg-config --cflags libpcre2-8 2>/dev/null)
PCRE2_LIBS	?= $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
# zlib: permessage-deflate (src/ws.c).
ZLIB_LIBS	?= $(shell pkg-config --libs zlib 2>/dev/null || echo -lz)
LIBS	 = $(READLINE_LIBS) $(CARES_LIBS) $(PCRE2_LIBS) $(ZLIB_LIBS) $(DL_LIBS)

# `make asan ...` builds into build-asan/ with the sanitizers on.
ifneq ($(filter asan,$(MAKECMDGOALS)),)
BUILD	 = build-asan
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
else
BUILD	 = build
SANITIZE =
endif

# One source file a line: add yours where it belongs.
SRCS	 = \
	src/main.c \
	src/loop.c \
	src/clock.c \
	src/term.c \
	src/cmd.c \
	src/cmd_session.c \
	src/cmd_send.c \
	src/cmd_sendfile.c \
	src/cmd_script.c \
	src/cmd_net.c \
	src/session.c \
	src/kind.c \
	src/settings.c \
	src/rx.c \
	src/net.c \
	src/addr.c \
	src/buf.c \
	src/codec.c \
	src/out.c \
	src/json.c \
	src/enc.c \
	src/frame.c \
	src/pipe.c \
	src/display.c \
	src/layer.c \
	src/tr_stream.c \
	src/tr_listen.c \
	src/tr_connect.c \
	src/tr_dgram.c \
	src/tr_pipe.c \
	src/role_exec.c \
	src/execenv.c \
	src/cmd_exec.c \
	src/pcapng.c \
	src/pcapread.c \
	src/rec.c \
	src/differ.c \
	src/log.c \
	src/cmd_log.c \
	src/event.c \
	src/sockopt.c \
	src/ossl.c \
	src/tls.c \
	src/role_tls.c \
	src/role_reconnect.c \
	src/tls_cert.c \
	src/layer_tls.c \
	src/cmd_tls.c \
	src/check.c \
	src/fill.c \
	src/pace.c \
	src/shape.c \
	src/role_relay.c \
	src/role_mock.c \
	src/cmd_relay.c \
	src/proc.c \
	src/cmd_util.c \
	src/resolve.c \
	src/ports.c \
	src/cmd_probe.c \
	src/cmd_ping.c \
	src/cmd_replay.c \
	src/cmd_names.c \
	src/client.c \
	src/control.c \
	src/ctl.c \
	src/daemon.c \
	src/file.c \
	src/proxy.c \
	src/layer_proxy.c \
	src/ws.c \
	src/layer_ws.c \
	src/cmd_ws.c \
	src/cmd_ws_ctl.c \
	src/serial_line.c \
	src/tty2.c \
	src/tr_tty.c \
	src/cmd_serial.c \
	src/rfc2217.c \
	src/layer_rfc2217.c
objs	 = $(patsubst src/%.c,$(BUILD)/%.o,$(1))
OBJS	 = $(call objs,$(SRCS))
BIN	 = $(BUILD)/socktool

# Unit tests: tests/unit/test_X.c becomes $(BUILD)/test_X, linked with the
# modules in test_X_SRCS and the libraries in test_X_LIBS.  A pure module's
# test lists the module and what it uses, nothing more (STYLE: tests mirror
# modules); a new test_X.c is found by itself and needs only its line here.
test_addr_SRCS	 = src/addr.c src/buf.c
test_buf_SRCS	 = src/buf.c
test_check_SRCS	 = src/check.c src/codec.c src/buf.c
test_cmd_SRCS	 = $(filter-out src/main.c,$(SRCS))
test_cmd_LIBS	 = $(LIBS)
test_session_SRCS = $(test_cmd_SRCS)
test_session_LIBS = $(LIBS)
test_codec_SRCS	 = src/codec.c src/buf.c
test_fill_SRCS	 = src/fill.c src/codec.c src/buf.c
test_frame_SRCS	 = src/frame.c src/codec.c src/buf.c
test_loop_SRCS	 = src/loop.c src/clock.c src/buf.c
test_pace_SRCS	 = src/pace.c src/codec.c src/buf.c
test_shape_SRCS	 = src/shape.c src/buf.c
test_differ_SRCS = src/differ.c src/codec.c src/buf.c
test_rec_SRCS	 = src/rec.c src/pcapread.c src/pcapng.c src/codec.c src/buf.c
test_rx_SRCS	 = src/rx.c src/codec.c src/buf.c
test_rx_LIBS	 = $(PCRE2_LIBS)
test_json_SRCS	 = src/json.c src/clock.c src/codec.c src/buf.c
test_pcapng_SRCS = src/pcapng.c src/buf.c
test_ports_SRCS	 = src/ports.c src/buf.c
test_proxy_SRCS	 = src/proxy.c src/addr.c src/buf.c
test_rfc2217_SRCS = src/rfc2217.c src/serial_line.c src/codec.c src/buf.c
test_serial_line_SRCS = src/serial_line.c src/codec.c src/buf.c
test_proc_SRCS	 = src/proc.c src/codec.c src/buf.c
test_ws_SRCS	 = src/ws.c src/proxy.c src/addr.c src/buf.c
test_ws_LIBS	 = $(ZLIB_LIBS)
test_execenv_SRCS = src/execenv.c src/buf.c
test_out_SRCS	 = src/out.c src/json.c src/clock.c src/codec.c src/enc.c src/buf.c
# (OpenSSL linked directly: this test calls it, socktool dlopen()s it)
test_tls_SRCS	 = src/tls_cert.c src/ossl.c src/buf.c
test_tls_LIBS	 = $(OPENSSL_LIBS) $(DL_LIBS)

UNIT_NAMES = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT	 = $(UNIT_NAMES:%=$(BUILD)/%)

# Build and test dependencies: one list, .ci/packages, read here and by
# .ci/run (a fresh machine has no make yet, so .ci/run reads the file).
HASH	:= \#
PACKAGES = $(shell sed 's/$(HASH).*//' .ci/packages)

.PHONY: all asan deps print-deps run check unit install uninstall clean bench fuzz
all: $(BIN) socktool

socktool: $(BIN)
	ln -sf $(BIN) socktool

asan: $(BIN)
	@:

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(SANITIZE) $(DEPFLAGS) -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) $(SANITIZE) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/test_%: tests/unit/test_%.c | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) -Isrc $(ALL_CFLAGS) $(SANITIZE) $(DEPFLAGS) \
	    -MF $@.d -MT $@ $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(test_$*_LIBS)
# each test's modules, as prerequisites of its binary
$(foreach t,$(UNIT_NAMES),$(eval $(BUILD)/$(t): $(call objs,$($(t)_SRCS))))

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y $(PACKAGES)

print-deps:
	@echo $(PACKAGES)

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
	tests/bench/control
	tests/bench/proxy
	tests/bench/exec
	tests/bench/ws

# libFuzzer targets (clang): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(READLINE_CFLAGS) $(CPPFLAGS) \
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
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_proxy tests/fuzz/fuzz_proxy.c \
	    src/proxy.c src/addr.c src/buf.c
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_rec tests/fuzz/fuzz_rec.c \
	    src/rec.c src/pcapread.c src/codec.c src/buf.c
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_ws tests/fuzz/fuzz_ws.c \
	    src/ws.c src/proxy.c src/addr.c src/buf.c $(ZLIB_LIBS)
	clang $(FUZZ_FLAGS) -o build-fuzz/fuzz_rfc2217 tests/fuzz/fuzz_rfc2217.c \
	    src/rfc2217.c src/serial_line.c src/codec.c src/buf.c
	mkdir -p build-fuzz/corpus-codec build-fuzz/corpus-parse build-fuzz/corpus-frame \
	    build-fuzz/corpus-fill build-fuzz/corpus-proxy build-fuzz/corpus-rec \
	    build-fuzz/corpus-ws build-fuzz/corpus-rfc2217
	build-fuzz/fuzz_codec -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-codec tests/fuzz/corpus
	build-fuzz/fuzz_parse -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-parse tests/fuzz/corpus
	build-fuzz/fuzz_frame -max_total_time=$(FUZZ_SECONDS) -max_len=20000 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-frame
	build-fuzz/fuzz_fill -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-fill
	build-fuzz/fuzz_proxy -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-proxy
	build-fuzz/fuzz_rec -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-rec tests/fuzz/corpus-rec
	build-fuzz/fuzz_ws -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-ws
	build-fuzz/fuzz_rfc2217 -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-rfc2217

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/socktool
	install -m 644 man/socktool.1 $(DESTDIR)$(MANDIR)/man1/socktool.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/socktool $(DESTDIR)$(MANDIR)/man1/socktool.1

clean:
	rm -rf build build-asan build-fuzz socktool

-include $(wildcard $(BUILD)/*.d)
