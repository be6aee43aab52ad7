#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC §9, the architecture contract, checked from the source and from the
built objects.  Six checks, each one ok() with the file:line of every
violation, each preceded by canaries (a snippet it must flag and one it must
not) so a checker that silently stopped working cannot pass:

  1. only fd layers do I/O on a session's descriptor (source), and only fd
     layer objects import the socket I/O symbols (objects);
  2. taps only observe: nothing reachable from a tap's callbacks (and the
     static functions they call, one level deep) frees or ends anything
     but the tap's own scratch and private objects;
  3. a session's kind is set once, by sess_new;
  4. no mutable global command state: each client has its own output,
     pending command, attached session and expect positions;
  5. the import graph between objects: the layers are below the pipeline
     and reach it only through callbacks they are given;
  6. kind and flag branches outside the role files: counted, and the count
     may only go down.

The source is read with comments, string and character literals blanked
(strip()), so neither can hide or fake a violation.  Expressions are typed
the way a reader would: a variable's declared `struct X` in its function
(parameters included) or at file scope, then each `->field` through the
struct definitions in src/, and a call through its declared return type."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, skip, done  # noqa: E402

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = os.path.join(top, "src")
build = os.path.join(top, os.environ.get("BUILD", "build"))

# --- The contract's parameters -----------------------------------------------

# The fd layers: the bottom of each session's stack, the only code allowed
# to do I/O on a session's descriptor.  A new fd layer (tty, pty, pipes to a
# child) is named tr_<what>.c and added here by name, on purpose: a file is
# not an fd layer just because its name starts with tr_ (layer_tls.c is a
# filter and reaches the wire through the layer below it).
FD_LAYER = re.compile(r"^tr_(stream|listen|connect|dgram|tty|pty|pipe)\.c$")
# Every layer, fd or filter, and the stack glue.
LAYER_FILE = re.compile(r"^(tr_\w+|layer|layer_\w+)\.c$")
# The pipeline and the session table, which the layers must not call into
# except through callbacks they are given.
ABOVE_LAYERS = {"pipe.c", "session.c"}
# Role files: where branching on a session's kind belongs.
ROLE_FILE = re.compile(r"^role_\w+\.c$")

# Check 6: kind/flag branches outside the role files, as measured when the
# check was written (55).  This number must only go down: lower it when a
# branch moves into a role or a layer's operations table, never raise it.
KIND_BRANCHES_MAX = 2

# Calls that do I/O through a descriptor.
SESSION_IO = ["read", "recv", "recvfrom", "recvmsg", "recvmmsg", "send",
              "sendto", "sendmsg", "sendmmsg", "write", "writev", "readv",
              "pread", "pwrite", "preadv", "pwritev", "accept", "accept4",
              "ioctl", "tcsetattr", "tcgetattr", "tcflush", "tcdrain",
              "tcsendbreak", "splice", "sendfile", "copy_file_range"]
# Symbols only an fd layer object may import.
SOCKET_IO = ["recv", "recvfrom", "recvmsg", "recvmmsg", "send", "sendto",
             "sendmsg", "sendmmsg", "accept", "accept4"]

# Check 2: what a tap must not call, on anything but its own: a scratch
# local it made empty in the same function, or an object of a struct
# defined only in its own .c file (the log tap's struct log and struct
# log_flow: nobody else can hold one), members embedded in such an object
# included, members pointing elsewhere not.
TAP_FORBIDDEN = re.compile(r"^(free|\w+_free|\w+_unref|sess_destroy|"
                           r"sess_close|sess_abort|loop_timer_del)$")

# Check 4: where client state must not be global, and what may be.
CLIENT_FILES = re.compile(r"^(cmd\w*|term|main|session)\.c$")
CLIENT_HEADERS = ["cmd.h", "out.h"]
GLOBAL_ALLOWED = {
    ("term.c", "T"):
        "the terminal's input reader: one stdin and one readline per "
        "process, and readline's callbacks take no argument",
    ("term.c", "saved_line"):
        "readline glue: the typed line kept while printing above the "
        "prompt (rl_* state is process-global)",
    ("term.c", "saved_point"): "readline glue: the cursor, as saved_line",
    ("term.c", "status"):
        "the terminal's status line, drawn above the readline prompt",
    ("term.c", "status_dirty"): "the terminal's status line, as status",
    ("term.c", "status_shown"): "the terminal's status line, as status",
    ("term.c", "term_cands"):
        "readline completion: rl_completion_entry_function takes no "
        "argument for the candidates",
    ("term.c", "term_cand_i"): "readline completion, as term_cands",
    ("term.c", "term_detach_cb"):
        "readline key binding: rl_bind_key's function takes no argument",
    ("main.c", "M"):
        "main's own run: exit status, end of input, the signal pipe (a "
        "signal handler takes no argument); one per process",
    ("session.c", "tab"):
        "the session table: one per process, shared by every client",
    ("session.c", "ntab"): "the session table, as tab",
    ("session.c", "tab_alloc"): "the session table, as tab",
    ("session.c", "next_id"): "the session table's id counter",
    ("session.c", "zombies"):
        "closed sessions' unmatched bytes, found by id: part of the table, "
        "each client keeps its own positions in them",
    ("session.c", "zombie_next"): "the zombie ring's cursor, as zombies",
    ("cmd_send.c", "repeats"):
        "running repeats: jobs on sessions, found by session id, not a "
        "client's pending command",
    ("cmd_sendfile.c", "xfers"):
        "running sendfile transfers: jobs on sessions, as repeats",
    ("cmd_sendfile.c", "xfer_ptimer"):
        "the one progress-line timer over all transfers",
    ("cmd_sendfile.c", "xfer_ptimer_us"): "as xfer_ptimer",
    ("cmd_sendfile.c", "xfer_groups"):
        "the transfer group id counter (process-wide, like session ids)",
}

# --- Reading C ---------------------------------------------------------------

_LEX = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'
                  r"'(?:\\.|[^'\\\n])*'", re.S)
KEYWORDS = {"if", "while", "for", "switch", "return", "sizeof", "do", "else",
            "case", "goto", "_Alignof", "__typeof__", "typeof"}


def strip(code):
    """C source with comments, string and character literals blanked, in
    one pass (so a quote in a comment or // in a string is read right);
    every offset and line stays where it was."""
    def blank(m):
        t = m.group()
        if t[0] in "\"'":
            return t[0] + re.sub(r"[^\n]", " ", t[1:-1]) + t[-1]
        return re.sub(r"[^\n]", " ", t)
    return _LEX.sub(blank, code)


def no_cpp(code):
    """Preprocessor lines (with their continuations) blanked."""
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*",
                  lambda m: re.sub(r"[^\n]", " ", m.group()), code,
                  flags=re.M)


def line_of(code, pos):
    return code.count("\n", 0, pos) + 1


PAIRS = {"(": ")", "[": "]", "{": "}"}
RPAIRS = {v: k for k, v in PAIRS.items()}


def close_of(code, i):
    """Index of the bracket closing the one at i."""
    o, c, d = code[i], PAIRS[code[i]], 0
    for j in range(i, len(code)):
        if code[j] == o:
            d += 1
        elif code[j] == c:
            d -= 1
            if d == 0:
                return j
    return len(code) - 1


def open_of(code, i):
    """Index of the bracket opening the one closing at i."""
    c, o, d = code[i], RPAIRS[code[i]], 0
    for j in range(i, -1, -1):
        if code[j] == c:
            d += 1
        elif code[j] == o:
            d -= 1
            if d == 0:
                return j
    return 0


def split_top(text, sep=","):
    """(offset, piece) of text split at sep outside brackets."""
    out, d, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "([{":
            d += 1
        elif c in ")]}":
            d -= 1
        elif c == sep and d == 0:
            out.append((start, text[start:i]))
            start = i + 1
    out.append((start, text[start:]))
    return out


FUNC_HEAD = re.compile(r"(\w+)\s*\(([^;{}]*)\)\s*$", re.S)


class Func:
    def __init__(self, name, static, params, start, body, end):
        self.name, self.static, self.params = name, static, params
        self.start, self.body, self.end = start, body, end  # offsets


def toplevel(code):
    """A file's top level: functions, and the other declarations (text,
    offset), from code already stripped of comments and preprocessor."""
    funcs, decls = [], []
    i, start, n = 0, 0, len(code)
    while i < n:
        c = code[i]
        if c == "{":
            head = code[start:i]
            m = FUNC_HEAD.search(head)
            if m and "=" not in head and m.group(1) not in KEYWORDS:
                end = close_of(code, i)
                funcs.append(Func(m.group(1), bool(re.search(
                    r"\bstatic\b", head)), (start + m.start(2), m.group(2)),
                    start, i, end))
                i = start = end + 1
                continue
            i = close_of(code, i) + 1
            continue
        if c in "([":
            i = close_of(code, i) + 1
            continue
        if c == ";":
            decls.append((start, code[start:i]))
            start = i + 1
        i += 1
    return funcs, decls


DECL = re.compile(r"^\s*(?:for\s*\(\s*)?((?:(?:static|const|volatile|register|"
                  r"extern)\s+)*)(?:struct|union)\s+(\w+)\b(?!\s*\{)(.*)$",
                  re.S)


def declarators(rest):
    """(offset, name, pointer, initializer) of each declarator in the text
    after `struct X`; function pointers and prototypes left out."""
    out = []
    for off, piece in split_top(rest):
        init = None
        for o2, part in split_top(piece, "="):
            if o2 > 0:
                init = piece[o2:]
                piece = piece[:o2 - 1]
                break
        m = re.match(r"^(\s*(?:const\b|\*|\s)*)(\w+)\s*(?:\[[^\]]*\]\s*)*$",
                     piece)
        if m:
            out.append((off + m.start(2), m.group(2), "*" in m.group(1),
                        init))
    return out


def struct_decls(text, base):
    """(offset, name, struct, pointer, initializer) of the `struct X`
    variables declared in a function body (or a list of statements)."""
    found, d, start = [], 0, 0
    for i, c in enumerate(text + ";"):
        if c == "(":
            d += 1
        elif c == ")":
            d -= 1
        if (c in ";{}" and d == 0) or (c == ";" and d == 1 and re.match(
                r"\s*for\s*\(", text[start:i])):
            m = DECL.match(text[start:i])
            if m:
                rs = start + m.start(3)
                for off, name, ptr, init in declarators(m.group(3)):
                    found.append((base + rs + off, name, m.group(2), ptr,
                                  init))
            start = i + 1
    return found


def param_decls(params, base):
    found = []
    for off, p in split_top(params):
        m = re.match(r"^\s*(?:(?:const|volatile)\s+)*(?:struct|union)\s+"
                     r"(\w+)([\s*]*(?:const\s*)?[\s*]*)(\w+)\s*(?:\[[^\]]*\])?"
                     r"\s*$", p)
        if m:
            found.append((base + off + m.start(3), m.group(3), m.group(1),
                          "*" in m.group(2) or "[" in p, None))
    return found


# Struct members and function return types, from every file of src/.
FIELDS = {}     # struct -> {field: struct}
FIELD_PTR = {}  # (struct, field) -> the member is a pointer
RETURNS = {}    # function -> struct (of the pointer it returns)
CODE = {}       # file -> stripped source


def learn_structs(code):
    nc = no_cpp(code)
    for m in re.finditer(r"\b(?:struct|union)\s+(\w+)\s*\{", nc):
        b = m.end() - 1
        body = nc[b + 1:close_of(nc, b)]
        flds = FIELDS.setdefault(m.group(1), {})
        # Anonymous nested structs and unions: their members are read as
        # the outer struct's.
        body = re.sub(r"(?:struct|union)\s*\{", " ", body)
        body = re.sub(r"\}\s*\w*\s*;", ";", body)
        for _, name, st, ptr, _ in struct_decls(body, 0):
            flds[name] = st
            FIELD_PTR[(m.group(1), name)] = ptr
    for m in re.finditer(r"\bstruct\s+(\w+)\s*\*+\s*(?:const\s*)?(\w+)\s*\(",
                         nc):
        RETURNS.setdefault(m.group(2), m.group(1))


for _f in sorted(os.listdir(src)):
    if _f.endswith((".c", ".h")):
        with open(os.path.join(src, _f)) as _fh:
            CODE[_f] = strip(_fh.read())
        learn_structs(CODE[_f])
# Structs a header defines: anyone may hold one.  A struct defined in one
# .c file only is that file's own.
PUBLIC_STRUCTS = {m for f, c in CODE.items() if f.endswith(".h")
                  for m in re.findall(r"\b(?:struct|union)\s+(\w+)\s*\{",
                                      no_cpp(c))}


class Unit:
    """One file, read for typing: its functions, their declarations, its
    file-scope variables."""

    def __init__(self, name, code):
        self.name, self.code = name, code
        self.top = no_cpp(code)
        self.funcs, self.decls = toplevel(self.top)
        self.globals = {}
        for off, text in self.decls:
            m = DECL.match(text)
            if m:
                for o, nm, ptr, init in declarators(m.group(3)):
                    self.globals[nm] = m.group(2)
        self._locals = {}

    def func_at(self, pos):
        for f in self.funcs:
            if f.start <= pos <= f.end:
                return f
        return None

    def locals_of(self, f):
        if f.name not in self._locals:
            b = f.body + 1
            self._locals[f.name] = (
                param_decls(f.params[1], f.params[0]) +
                struct_decls(self.top[b:f.end], b))
        return self._locals[f.name]

    def type_of(self, name, pos):
        """The struct a variable named at pos points to (or is)."""
        f = self.func_at(pos)
        best = None
        if f is not None:
            for off, nm, st, _, _ in self.locals_of(f):
                if nm == name and off <= pos:
                    best = st
        return best if best is not None else self.globals.get(name)

    def chain_before(self, end):
        """Start of the postfix expression that ends at end (before the
        `->` or `.` of a member): `l->s`, `all[i]`, `sess_find(id)`,
        `(*pp)`, `((struct session *)arg)`."""
        code, i = self.code, end
        while True:
            j = i
            while j > 0 and code[j - 1] in " \t\n":
                j -= 1
            if j == 0:
                return i
            c = code[j - 1]
            if c == "]":
                i = open_of(code, j - 1)
                continue
            if c == ")":
                k = open_of(code, j - 1)
                kk = k
                while kk > 0 and code[kk - 1] in " \t\n":
                    kk -= 1
                m = re.search(r"\w+$", code[max(0, kk - 64):kk])
                if m and m.group() not in KEYWORDS:
                    i = k          # a call: its name is taken next
                    continue
                return k           # a parenthesised expression
            m = re.search(r"\w+$", code[max(0, j - 64):j])
            if m and not m.group()[0].isdigit() and m.group() not in KEYWORDS:
                k = j - len(m.group())
                kk = k
                while kk > 0 and code[kk - 1] in " \t\n":
                    kk -= 1
                if code[kk - 2:kk] == "->":
                    i = kk - 2
                    continue
                if code[kk - 1:kk] == ".":
                    i = kk - 1
                    continue
                return k
            return i

    def resolve(self, expr, pos):
        """The struct expr points to (or is), or None when unknown."""
        expr = expr.strip()
        if not expr:
            return None
        if expr[0] == "(":
            k = close_of(expr, 0)
            inner = expr[1:k].strip()
            cm = re.match(r"\(\s*(?:const\s+)?struct\s+(\w+)[\s*]*\)", inner)
            t = cm.group(1) if cm else self.resolve(inner.lstrip("*&"), pos)
            rest = expr[k + 1:]
        else:
            m = re.match(r"[*&\s]*(\w+)\s*", expr)
            if not m:
                return None
            rest = expr[m.end():]
            if rest.startswith("("):
                t = RETURNS.get(m.group(1))
                rest = rest[close_of(rest, 0) + 1:]
            else:
                t = self.type_of(m.group(1), pos)
        while rest.strip():
            rest = rest.lstrip()
            if rest[0] == "[":
                rest = rest[close_of(rest, 0) + 1:]
                continue
            m = re.match(r"(?:->|\.)\s*(\w+)", rest)
            if not m:
                return None
            t = FIELDS.get(t, {}).get(m.group(1))
            rest = rest[m.end():]
        return t

    def member_of(self, member):
        """(pos of `->`/`.`, object expression, struct) of each use of
        `X->member` or `X.member` with a known object."""
        for m in re.finditer(r"(->|\.)\s*%s\b" % member, self.code):
            if m.group(1) == "." and self.code[m.start() - 1:m.start()] \
                    in ".0123456789":
                continue
            s = self.chain_before(m.start())
            expr = self.code[s:m.start()]
            yield m, s, expr, self.resolve(expr, m.start())


def sources():
    return sorted(f for f in CODE if f.endswith(".c"))


def bare_arg(a):
    """An argument without casts and outer parentheses."""
    a = a.strip()
    while True:
        m = re.match(r"^\(\s*(?:const\s+|unsigned\s+|signed\s+)*\w+\s*\**\s*"
                     r"\)\s*(.*)$", a, re.S)
        if m and m.group(1).strip():
            a = m.group(1).strip()
            continue
        if a.startswith("(") and close_of(a, 0) == len(a) - 1:
            a = a[1:-1].strip()
            continue
        return a


# --- 1. I/O on a session's descriptor ----------------------------------------

def session_io(name, code):
    """file:line of every I/O call on a session's descriptor: X->fd where X
    is a struct session (l->s->fd through a struct layer too), or a
    variable given such a value in the same function."""
    u = Unit(name, code)
    fds = []                # (pos, end) of each session fd expression
    alias = {}              # function name -> names holding a session fd
    for m, s, expr, t in u.member_of("fd"):
        if t != "session":
            continue
        fds.append((s, m.end()))
        a = re.search(r"(?<![\w.>])(\w+)\s*=\s*$", u.code[max(0, s - 80):s])
        f = u.func_at(s)
        if a and f is not None:
            alias.setdefault(f.name, set()).add(a.group(1))
    found = []
    for m in re.finditer(r"\b(%s)\s*\(" % "|".join(SESSION_IO), u.code):
        p = m.end() - 1
        before = u.code[max(0, m.start() - 2):m.start()]
        if before.endswith(".") or before == "->":
            continue        # a layer's own read/write operation
        f = u.func_at(m.start())
        args = u.code[p + 1:close_of(u.code, p)]
        for off, a in split_top(args):
            b = bare_arg(a)
            at = p + 1 + off + a.find(b) if b else -1
            hit = any(s == at and e == at + len(b) for s, e in fds) or (
                f is not None and b in alias.get(f.name, ()))
            if hit:
                found.append((line_of(u.code, m.start()),
                              "%s(%s)" % (m.group(1), re.sub(r"\s+", "",
                                                             b))))
                break
    return found


canary = strip("""
struct session { int fd; };
struct layer { struct session *s; };
struct xfer { int fd; };
static void f(struct session *s, struct xfer *x, struct layer *l) {
	char b[4];
	int sfd = l->s->fd;
	read(x->fd, b, 4);	/* a file: fine */
	l->ops->write(l, b, 4, NULL);	/* a layer's operation: fine */
	puts("write(s->fd, b, 1)");	/* a string: fine */
	write(s->fd, "x", 1);	/* a session: not fine */
	send((int)l->s->fd, b, 4, 0);
	ioctl(sfd, FIONREAD, &n);
	tcsetattr(sess_find(3)->fd, TCSANOW, &t);
}
""")
RETURNS.setdefault("sess_find", "session")
v = session_io("canary.c", canary)
ok([x[1] for x in v] == ["write(s->fd)", "send(l->s->fd)", "ioctl(sfd)",
                          "tcsetattr(sess_find(3)->fd)"],
   "canary: the descriptor check flags write(s->fd), send(l->s->fd), "
   "ioctl through a copy and tcsetattr(sess_find()->fd), and not "
   "read(x->fd), ops->write or a string", v)

files = sources()
fd_layers = [f for f in files if FD_LAYER.match(f)]
ok({"tr_stream.c", "tr_listen.c", "tr_connect.c", "tr_dgram.c"} <=
   set(fd_layers), "the fd layers: %s" % ", ".join(fd_layers))
bad = []
for f in files:
    if FD_LAYER.match(f):
        continue
    for line, what in session_io(f, CODE[f]):
        bad.append("%s:%d: %s" % (f, line, what))
ok(not bad, "1. no file but the fd layers does I/O on a session's "
   "descriptor (layer_tls.c and layer.c included)", "\n".join(bad))


def nm(path, *args):
    out = subprocess.run(["nm"] + list(args) + [path], capture_output=True,
                         text=True).stdout
    return {ln.split()[-1].split("@")[0] for ln in out.splitlines()
            if ln.strip() and not ln.endswith(":")}


def imports_socket_io(obj):
    return sorted(nm(obj, "-u") & set(SOCKET_IO))


with tempfile.TemporaryDirectory() as tmp:
    made = {}
    for nmn, body in (("flag", "#include <sys/socket.h>\n"
                       "long f(int d, void *b) "
                       "{ return recv(d, b, 1, 0); }\n"),
                      ("pass", "#include <unistd.h>\n"
                       "long f(int d, void *b) { return read(d, b, 1); }\n")):
        c, o = os.path.join(tmp, nmn + ".c"), os.path.join(tmp, nmn + ".o")
        with open(c, "w") as fh:
            fh.write(body)
        r = subprocess.run([os.environ.get("CC", "cc"), "-c", "-o", o, c],
                           capture_output=True, text=True)
        made[nmn] = imports_socket_io(o) if r.returncode == 0 else None
    if made["flag"] is None:
        skip("canary: the object check", "no C compiler")
    else:
        ok(made["flag"] == ["recv"] and made["pass"] == [],
           "canary: the object check flags an object calling recv, not one "
           "calling read", made)

objs = {f[:-2] + ".c": os.path.join(build, f)
        for f in sorted(os.listdir(build)) if f.endswith(".o") and
        f[:-2] + ".c" in files} if os.path.isdir(build) else {}
if objs:
    ok("layer_tls.c" in objs and set(fd_layers) <= set(objs),
       "the fd layers' and layer_tls.c's objects were built")
    bad = ["%s imports %s" % (os.path.basename(o), ", ".join(hit))
           for c, o in objs.items() if not FD_LAYER.match(c)
           for hit in [imports_socket_io(o)] if hit]
    ok(not bad, "1. no object but the fd layers' imports socket I/O "
       "(layer_tls.o reaches the wire through the layer below)", "\n".join(bad))
else:
    skip("1. objects", "no objects in %s" % build)


# --- 2. Taps only observe ----------------------------------------------------

def tap_frees(name, code):
    """file:line of every call a tap's callbacks make (directly or in a
    static function of the same file they call) that frees or ends
    something, unless it is the tap's own (see TAP_FORBIDDEN)."""
    u = Unit(name, code)
    learn_structs(code)
    private = set(re.findall(r"\b(?:struct|union)\s+(\w+)\s*\{",
                             u.top)) - PUBLIC_STRUCTS
    byname = {f.name: f for f in u.funcs}
    found = []

    def calls(f):
        body = u.code[f.body:f.end]
        for m in re.finditer(r"\b(\w+)\s*\(", body):
            if m.group(1) not in KEYWORDS:
                yield f.body + m.start(), m.group(1), f.body + m.end() - 1

    def scratch(f, arg):
        m = re.match(r"^&\s*(\w+)$", bare_arg(arg))
        if not m:
            return False
        for off, nm_, st, ptr, init in u.locals_of(f):
            if nm_ == m.group(1) and off > f.body and not ptr:
                return init is None or re.match(
                    r"^\s*(?:\(\s*struct\s+\w+\s*\)\s*)?(?:BUF_INIT|"
                    r"\{\s*0?\s*\})\s*$", init) is not None
        return False

    def own(arg, pos):
        m = re.match(r"^&?\s*(\w+)((?:\s*(?:->|\.)\s*\w+)*)\s*$",
                     bare_arg(arg))
        if not m:
            return False
        t = u.type_of(m.group(1), pos)
        if t not in private:
            return False
        members = re.findall(r"\w+", m.group(2))
        for i, mem in enumerate(members):
            nt = FIELDS.get(t, {}).get(mem)
            if nt is None or nt in private:
                if nt is None and i < len(members) - 1:
                    return False
                t = nt
                continue
            # A public struct: part of ours only if embedded in it.
            return i == len(members) - 1 and not FIELD_PTR.get((t, mem),
                                                                True)
        return True

    def check(f, via):
        for pos, callee, p in calls(f):
            if not TAP_FORBIDDEN.match(callee):
                continue
            args = split_top(u.code[p + 1:close_of(u.code, p)])
            if (len(args) == 1 and scratch(f, args[0][1])) or \
                    own(args[0][1], pos):
                continue
            found.append("%s:%d: %s%s calls %s(%s)" % (
                name, line_of(u.code, pos), f.name, via, callee,
                re.sub(r"\s+", " ", u.code[p + 1:close_of(u.code, p)])))

    for m in re.finditer(r"\bstruct\s+tap\s+(\w+)\s*=\s*\{", u.code):
        b = m.end() - 1
        init = u.code[b + 1:close_of(u.code, b)]
        for cb in re.finditer(r"\.\s*(chunk|message|event|secret)\s*=\s*"
                              r"&?\s*(\w+)", init):
            f = byname.get(cb.group(2))
            if f is None:
                found.append("%s:%d: tap %s .%s = %s: no body found" % (
                    name, line_of(u.code, b), m.group(1), cb.group(1),
                    cb.group(2)))
                continue
            check(f, " (tap %s .%s)" % (m.group(1), cb.group(1)))
            seen = set()
            for _, callee, _ in calls(f):
                g = byname.get(callee)
                if g is not None and g.static and g is not f and \
                        callee not in seen:
                    seen.add(callee)
                    check(g, " (called by %s, tap %s .%s)" % (
                        f.name, m.group(1), cb.group(1)))
    return found


canary = strip("""
struct buf { char *p; };
struct session { struct buf holdq; struct session *pair; };
static void gone(struct session *s) { sess_close(s->pair, "peer"); }
static void seen(struct session *s, const struct chunk *c) {
	struct buf b = BUF_INIT;	/* scratch: fine */
	buf_append(&b, c->p, c->n);
	buf_free(&b);
}
static void ev(struct session *s, int ev, const char *r, uint64_t lost) {
	struct buf q = s->holdq;	/* the session's: not fine */
	/* sess_destroy(s) in a comment: fine */
	buf_free(&q);
	gone(s);
}
static void quiet(struct session *s, int ev, const char *r, uint64_t l) {
	out_line("free(s)");
}
struct canary_flow { struct canary_flow *next; struct session *sess;
	struct buf out; char *name; };
static void fl(struct session *s, const struct chunk *c) {
	struct canary_flow *f = flows;
	buf_free(&f->out);		/* its own: fine */
	free(f->name);			/* fine */
	free(f);			/* fine */
	sess_destroy(f->sess, "", "");	/* not its own */
}
static const struct tap bad_tap = { .name = "bad", .message = seen,
	.event = ev, .chunk = fl };
static const struct tap good_tap = { .message = seen, .event = quiet };
""")
v = tap_frees("canary.c", canary)
ok(len(v) == 3 and "buf_free(&q)" in v[0] and "sess_close" in v[1] and
   "called by ev" in v[1] and "sess_destroy(f->sess" in v[2],
   "canary: the tap check flags buf_free of a session's queue, a close "
   "one call deep and a session reached through the tap's own struct, not "
   "a scratch buffer, the tap's own struct, a comment or a string", v)

bad = []
for f in files:
    bad += tap_frees(f, CODE[f])
ok(not bad, "2. taps only observe: no tap frees, unrefs, closes or "
   "destroys (SPEC §9 Roles: the owner's hook does)", "\n".join(bad))


# --- 3. A session's kind is set once -----------------------------------------

def kind_writes(name, code):
    """file:line of every assignment to a struct session's kind outside
    sess_new in session.c."""
    u = Unit(name, code)
    found = []
    for m, s, expr, t in u.member_of("kind"):
        if t != "session" or not re.match(r"\s*(?:[-+*/%|&^]|<<|>>)?=(?!=)",
                                          u.code[m.end():]):
            continue
        f = u.func_at(m.start())
        if name == "session.c" and f is not None and f.name == "sess_new":
            continue
        found.append("%s:%d: %s%s" % (name, line_of(u.code, m.start()),
                                      "%s: " % f.name if f else "",
                                      re.sub(r"\s+", "", expr) + "->kind"))
    return found


canary = strip("""
struct session { int kind; };
struct check { int kind; };
struct session *sess_new(int kind) { struct session *s; s->kind = kind; }
static void g(struct session *s, struct check *c, struct layer *l) {
	c->kind = 3;			/* not a session: fine */
	if (s->kind == 1) {}		/* a test: fine */
	static const struct check t[] = { { .kind = 1 } };
	s->kind = K_TLS_CLIENT;
	l->s->kind |= 1;
}
""")
v = kind_writes("session.c", canary)
ok(v == ["session.c:9: g: s->kind", "session.c:10: g: l->s->kind"],
   "canary: the kind check flags s->kind = and l->s->kind |= outside "
   "sess_new, not a check's kind, a test or an initializer", v)
bad = []
for f in files:
    bad += kind_writes(f, CODE[f])
ok(not bad, "3. a session's kind is assigned only in sess_new",
   "\n".join(bad))


# --- 4. No mutable global command state --------------------------------------

def mutable_globals(name, code, header=False):
    """(line, name) of each file-scope variable that can change: not const
    itself (a pointer is const only as `* const`, an array as its
    elements).  In a header: its extern declarations."""
    top = no_cpp(code)
    _, decls = toplevel(top)
    found = []
    for off, text in decls:
        # The bodies of inline struct/union/enum definitions become '@'s
        # (no name can be read in them; offsets stay), attributes blanks.
        t = text
        while True:
            m = re.search(r"\b(?:struct|union|enum)\s*\w*\s*(\{)", t)
            if not m:
                break
            e = close_of(t, m.start(1))
            t = t[:m.start(1)] + "@" * (e + 1 - m.start(1)) + t[e + 1:]
        t = re.sub(r"__attribute__\s*\(\(.*?\)\)",
                   lambda m: " " * len(m.group()), t, flags=re.S)
        # A list head from <sys/queue.h> is a type written as a macro
        # call: read it as one word (same length, offsets stay).
        t = re.sub(r"\b(?:SLIST|LIST|STAILQ|TAILQ)_HEAD\s*\([^()]*\)",
                   lambda m: "qhead" + " " * (len(m.group()) - 5), t)
        if re.match(r"\s*typedef\b", t):
            continue
        extern = re.search(r"\bextern\b", t) is not None
        if extern != header:
            continue     # externs in .c files are defined elsewhere
        pieces = split_top(t)
        spec = None
        for poff, piece in pieces:
            piece = piece.split("=")[0] if "=" in piece else piece
            piece = re.sub(r"\[[^\]]*\]", "", piece)
            fp = re.search(r"\(\s*((?:\*|const\b|\s)*)(\w+)\s*\)\s*\(", piece)
            if fp:                      # a function pointer
                name_, declr = fp.group(2), fp.group(1)
                if spec is None:
                    spec = piece[:fp.start()]
            else:
                if re.search(r"\w\s*\(", piece):
                    continue            # a prototype
                m = re.search(r"((?:\*|const\b|\s)*)(\w+)\s*$", piece)
                if not m:
                    continue
                name_ = m.group(2)
                if spec is None:
                    # The declarator starts at its first '*', else it is
                    # the name alone.
                    star = m.group(1).find("*")
                    cut = m.start(1) + star if star >= 0 else m.start(2)
                    spec, declr = piece[:cut], piece[cut:m.start(2)]
                else:
                    declr = m.group(1)
            words = spec.split()
            if not words or words[-1] in ("struct", "union", "enum") or (
                    len(words) == 1 and words[0] in ("static", "extern")):
                continue                # only a type, no variable
            if "*" in declr:
                const = re.search(r"\bconst\b", declr[declr.rfind("*"):])
            else:
                const = "const" in words or re.search(r"\bconst\b", declr)
            if not const:
                found.append((line_of(top, off + poff +
                                      piece.rfind(name_)), name_))
    return found


canary = strip("""
static int pending;				/* flag */
static const char *names[] = { "a", "b" };	/* flag: the pointers */
static const char *const fixed[] = { "a" };	/* fine */
static const struct cmd_opt opts[] = { { "x", 1 } };	/* fine */
static void (*hook)(void);			/* flag */
static void (*const cb)(void) = f;		/* fine */
static struct { int a; } S, *sp;		/* flag both */
struct pending { int x; };			/* a type: fine */
static void proto(int);				/* fine */
extern int elsewhere;				/* defined elsewhere: fine */
const struct entry *table[] = { 0 };		/* flag */
unsigned counter = 1, *const cp = &counter;	/* flag counter only */
static char msg[256];				/* flag */
static TAILQ_HEAD(, client) clients = TAILQ_HEAD_INITIALIZER(clients);
""")
v = [n for _, n in mutable_globals("canary.c", canary)]
vh = [n for _, n in mutable_globals("canary.h", strip(
    "extern struct buf out_pending;\nextern const char *where;\n"
    "extern const struct kind_info kinds[3];\nextern void (*hook)(void);\n"
    "extern const char *const names[];\n"), header=True)]
ok(v == ["pending", "names", "hook", "S", "sp", "table", "counter", "msg",
         "clients"]
   and vh == ["out_pending", "where", "hook"],
   "canary: the globals check flags mutable variables, arrays of mutable "
   "pointers and mutable externs, not const tables, types or prototypes",
   "%s\n%s" % (v, vh))

bad, allowed = [], []
for f in files:
    if not CLIENT_FILES.match(f):
        continue
    for line, nm_ in mutable_globals(f, CODE[f]):
        if (f, nm_) in GLOBAL_ALLOWED:
            allowed.append("%s:%d: %s" % (f, line, nm_))
        else:
            bad.append("%s:%d: %s" % (f, line, nm_))
for h in CLIENT_HEADERS:
    for line, nm_ in mutable_globals(h, CODE[h], header=True):
        bad.append("%s:%d: extern %s" % (h, line, nm_))
stale = sorted("%s: %s" % k for k in GLOBAL_ALLOWED
               if k[1] not in {n for _, n in mutable_globals(
                   k[0], CODE.get(k[0], ""))})
ok(not stale, "every entry of the globals allow-list still exists",
   "\n".join(stale))
for a in allowed:
    print("# allowed global: %s (%s)" % (a, GLOBAL_ALLOWED[(
        a.split(":")[0], a.split(": ")[1])]), flush=True)
ok(not bad, "4. no mutable global command state: each client has its own "
   "output, pending command, attached session and expect positions "
   "(SPEC §9 Clients)", "\n".join(bad))


# --- 5. The import graph -----------------------------------------------------

def import_graph(tables):
    """tables: file -> (defined, undefined) symbols.  Edges: file -> {file
    defining a symbol it imports: [symbols]}."""
    owner = {}
    for f, (defs, _) in tables.items():
        for s in defs:
            owner.setdefault(s, f)
    g = {f: {} for f in tables}
    for f, (_, undef) in tables.items():
        for s in sorted(undef):
            o = owner.get(s)
            if o is not None and o != f:
                g[f].setdefault(o, []).append(s)
    return g


def components(g):
    """Strongly connected components (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def layering(g):
    """The components of more than one file, and what is wrong with each:
    a layer file in one cycle with the pipeline or the session table (with
    the edges from the layers up into it)."""
    big = sorted((c for c in components(g) if len(c) > 1),
                 key=lambda c: (-len(c), c))
    bad = []
    for c in big:
        layers = [f for f in c if LAYER_FILE.match(f)]
        above = [f for f in c if f in ABOVE_LAYERS]
        if layers and above:
            bad.append("a cycle holds layers (%s) and %s:" % (
                ", ".join(layers), ", ".join(above)))
            for f in layers:
                for o, syms in sorted(g[f].items()):
                    if o in c and not LAYER_FILE.match(o):
                        bad.append("  %s -> %s: %s" % (
                            f, o, ", ".join(syms[:6]) +
                            (", ..." if len(syms) > 6 else "")))
    return big, bad


big, v = layering(import_graph({
    "tr_x.c": ({"tr_x"}, {"pipe_input"}),
    "pipe.c": ({"pipe_input"}, {"tr_x", "cmd_run"}),
    "cmd_a.c": ({"cmd_run"}, {"cmd_b_entry"}),
    "cmd_b.c": ({"cmd_b_entry"}, {"cmd_run"}),
}))
_, v2 = layering(import_graph({
    "tr_x.c": ({"tr_x"}, {"buf_puts"}), "buf.c": ({"buf_puts"}, set()),
    "pipe.c": ({"pipe_input"}, {"tr_x"}),
    "cmd_a.c": ({"cmd_run"}, {"cmd_b_entry", "pipe_input"}),
    "cmd_b.c": ({"cmd_b_entry"}, {"cmd_run"})}))
ok(big == [["cmd_a.c", "cmd_b.c"], ["pipe.c", "tr_x.c"]] and len(v) == 2 and
   "tr_x.c -> pipe.c: pipe_input" in v[1] and v2 == [],
   "canary: the graph check flags a layer in a cycle with pipe.c, not a "
   "cycle of commands nor a pipeline calling down", (big, v, v2))

if objs:
    tables = {c: (nm(o, "-g", "--defined-only"), nm(o, "-u"))
              for c, o in objs.items()}
    g = import_graph(tables)
    big, bad = layering(g)
    for c in big:
        print("# import cycle of %d: %s" % (len(c), " ".join(
            f[:-2] for f in c)), flush=True)
    ok(not bad, "5. no import cycle joins a layer with the pipeline or the "
       "session table (layers reach them through callbacks only)",
       "\n".join(bad))
    # The core is layered too: the only cycle left is the command table
    # and its commands (tmux-style: the table names every entry, the
    # entries use the table's helpers) with the client that runs them.
    others = [c for c in big if not all(re.match(r"^(cmd\w*|client)\.c$",
                                                 f) for f in c)]
    ok(not others, "5b. no other import cycle: the session table, the "
       "pipeline, the events, the roles and the layers form no circle",
       "\n".join(" ".join(c) for c in others))
else:
    skip("5. the import graph", "no objects in %s" % build)


# --- 6. Kind and flag branches outside the role files ------------------------

with open(os.path.join(src, "session.h")) as _fh:
    _sh = strip(_fh.read())
KIND_FLAGS = set(re.findall(r"#define\s+(KIND_\w+)", _sh))
_m = re.search(r"enum\s+sess_kind\s*\{([^}]*)\}", _sh)
KIND_ENUM = set(re.findall(r"\b(K_\w+)", _m.group(1))) - {"K_NKINDS"}


KIND_ACCESSORS = {"sess_has", "sess_is_server", "sess_is_stream"}


def kind_branches(name, code):
    """(line, what) of each branch on a session's kind or kind flags:
    comparisons with a session's kind or a K_* kind, switches on a
    session's kind, sess_has()/sess_is_*() calls, and `&` tests of KIND_*
    flags."""
    u = Unit(name, code)
    c = u.code
    found = []
    sess_kind = {}      # start of each session `X->kind` -> its end
    for m, s, expr, t in u.member_of("kind"):
        if t == "session":
            sess_kind[s] = m.end()
    for m in re.finditer(r"[=!]=", c):
        if c[m.start() - 1:m.start()] in "=!<>" or c[m.end():m.end() + 1] \
                == "=":
            continue
        ls = u.chain_before(m.start())
        left = c[ls:m.start()].strip()
        r = re.match(r"\s*([\w]+(?:\s*(?:->|\.)\s*\w+|\s*\[[^\]]*\])*)",
                     c[m.end():])
        right = r.group(1) if r else ""
        rs = m.end() + (r.start(1) if r else 0)
        if ls in sess_kind or rs in sess_kind or \
                {left, right} & (KIND_ENUM | KIND_FLAGS):
            found.append((m.start(), "%s %s %s" % (
                re.sub(r"\s+", "", left), m.group(), right)))
    for m in re.finditer(r"\bswitch\s*\(", c):
        p = m.end() - 1
        inner = c[p + 1:close_of(c, p)]
        k = re.search(r"(->|\.)\s*kind\s*$", inner)
        if k and u.resolve(inner[:k.start()], p) == "session":
            found.append((m.start(), "switch (%s)" % re.sub(
                r"\s+", "", inner)))
    for m in re.finditer(r"\b(sess_has|sess_is_server|sess_is_stream)\s*\(",
                         c):
        if c[m.start() - 1:m.start()] == "\n":
            continue            # its definition
        p = m.end() - 1
        found.append((m.start(), "%s(%s)" % (m.group(1), re.sub(
            r"\s+", " ", c[p + 1:close_of(c, p)]))))
    for m in re.finditer(r"(?<!&)&(?![&=])\s*\(?\s*(KIND_\w+)|"
                         r"\b(KIND_\w+)\s*\)?\s*&(?![&=])", c):
        flag = m.group(1) or m.group(2)
        if flag in KIND_FLAGS:
            found.append((m.start(), "& %s" % flag))
    # The accessors themselves are the table lookup, not branches.
    return sorted((line_of(c, p), w) for p, w in found
                  if getattr(u.func_at(p), "name", None) not in KIND_ACCESSORS)


canary = strip("""
struct session { int kind; };
struct check { int kind; };
int
sess_has(const struct session *s, unsigned f) { return 1; }
int
sess_is_server(const struct session *s) { return sess_has(s, KIND_SERVER); }
static void h(struct session *s, struct check *ck, enum sess_kind k) {
	if (s->kind == K_TCP_PEER || K_UDP != s->kind) {}
	if (k == K_TLS_CLIENT) {}
	if (sess_has(s, KIND_TLS)) {}
	if (sess_kinds[s->kind].flags & (KIND_SERVER | KIND_TCP)) {}
	switch (s->kind) { case K_UDP: break; }
	switch (ck->kind) { case 1: break; }	/* not a session: fine */
	if (ck->kind == 2) {}			/* fine */
	if (d->only == KIND_TCP) {}
	x = s->kind;				/* not a branch: fine */
	return "s->kind == K_UDP";		/* fine */
}
""")
v = kind_branches("canary.c", canary)
ok(sorted(w for _, w in v) == sorted([
    "s->kind == K_TCP_PEER", "K_UDP != s->kind", "k == K_TLS_CLIENT",
    "sess_has(s, KIND_TLS)", "& KIND_SERVER", "switch (s->kind)",
    "d->only == KIND_TCP"]),
   "canary: the branch count finds comparisons either way round, a local "
   "kind, sess_has, a flag test and a switch, not a check's kind, an "
   "assignment or a string", v)

sites = []
for f in files:
    # kind.c is the kinds table and its readers: where a kind is defined.
    if ROLE_FILE.match(f) or f == "kind.c":
        continue
    sites += ["%s:%d: %s" % (f, line, w) for line, w in
              kind_branches(f, CODE[f])]
KIND_BRANCHES = len(sites)
for s in sites:
    print("# kind branch: %s" % s, flush=True)
print("# %d kind/flag branches outside the role files (at most %d)" % (
    KIND_BRANCHES, KIND_BRANCHES_MAX), flush=True)
ok(KIND_BRANCHES <= KIND_BRANCHES_MAX,
   "6. kind/flag branches outside the role files: %d, at most %d (it only "
   "goes down)" % (KIND_BRANCHES, KIND_BRANCHES_MAX))
done()
