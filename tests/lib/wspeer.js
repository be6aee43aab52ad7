#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
// A WebSocket test peer on node's `ws` (Debian's node-ws): the same
// interface as wspeer.py — events as JSON lines on stdout, commands as JSON
// lines on stdin — so a test can run one scenario against both.
//
//   wspeer.js server [--port P] [--protocols a,b] [--echo] [--deflate]
//                    [--reject STATUS] [--path /p]
//   wspeer.js client URL [--protocol p]... [--header "K: V"]... [--deflate]
//
// Messages also carry "frames" where node tells them apart: a message node
// received in several frames is reported once, whole.
'use strict';

let WebSocket;
try {
	WebSocket = require('ws');
} catch (e) {
	WebSocket = require('/usr/share/nodejs/ws');
}
const readline = require('readline');

function emit(o) {
	process.stdout.write(JSON.stringify(o) + '\n');
}

function parse(argv) {
	const a = { mode: argv[0], protocols: null, protocol: [], header: [],
	    echo: false, deflate: false, reject: 0, path: null, port: 0,
	    url: null };
	for (let i = 1; i < argv.length; i++) {
		const k = argv[i];
		if (k === '--port') a.port = +argv[++i];
		else if (k === '--protocols') a.protocols = argv[++i].split(',');
		else if (k === '--protocol') a.protocol.push(argv[++i]);
		else if (k === '--header') a.header.push(argv[++i]);
		else if (k === '--echo') a.echo = true;
		else if (k === '--deflate') a.deflate = true;
		else if (k === '--reject') a.reject = +argv[++i];
		else if (k === '--path') a.path = argv[++i];
		else a.url = k;
	}
	return a;
}

const conns = new Set();

function watch(ws, echo) {
	conns.add(ws);
	ws.on('message', (data, isBinary) => {
		const b = Buffer.isBuffer(data) ? data : Buffer.concat(data);
		emit({ event: 'message', type: isBinary ? 'binary' : 'text',
		    hex: b.toString('hex'), size: b.length });
		if (echo)
			ws.send(b, { binary: isBinary });
	});
	ws.on('ping', (d) => emit({ event: 'ping', hex: d.toString('hex') }));
	ws.on('pong', (d) => emit({ event: 'pong', hex: d.toString('hex') }));
	ws.on('close', (code, reason) => {
		conns.delete(ws);
		emit({ event: 'close', code: code, reason: reason.toString() });
	});
	ws.on('error', (e) => emit({ event: 'error', message: String(e) }));
}

function command(ws, c) {
	if (c.cmd === 'send') {
		const b = Buffer.from((c.hex || '').repeat(c.repeat || 1),
		    'hex');
		const cuts = c.fragments || [];
		let at = 0;
		for (const n of cuts) {
			ws.send(b.subarray(at, at + n), { binary: !!c.binary,
			    fin: false, compress: false });
			at += n;
		}
		ws.send(b.subarray(at), { binary: !!c.binary, fin: true,
		    compress: cuts.length ? false : undefined });
	} else if (c.cmd === 'ping') {
		ws.ping(Buffer.from(c.hex || '', 'hex'));
	} else if (c.cmd === 'close') {
		ws.close(c.code || 1000, c.reason || '');
	}
}

// A server ends with its input; a client with its connection.
function commands(endWithInput) {
	const rl = readline.createInterface({ input: process.stdin });
	rl.on('line', (line) => {
		if (!line.trim())
			return;
		const c = JSON.parse(line);
		for (const ws of conns)
			command(ws, c);
	});
	if (endWithInput)
		rl.on('close', () => process.exit(0));
}

const a = parse(process.argv.slice(2));
if (a.mode === 'server') {
	const opts = { host: '127.0.0.1', port: a.port,
	    perMessageDeflate: a.deflate, maxPayload: 0 };
	if (a.protocols)
		opts.handleProtocols = (offered) => {
			for (const p of a.protocols)
				if (offered.has(p))
					return p;
			return false;
		};
	opts.verifyClient = (info, cb) => {
		if (a.reject)
			return cb(false, a.reject, 'rejected by the test',
			    { 'X-Reason': 'rejected by the test' });
		if (a.path && info.req.url.split('?')[0] !== a.path)
			return cb(false, 404, 'Not Found');
		cb(true);
	};
	const srv = new WebSocket.Server(opts);
	srv.on('listening', () => emit({ event: 'listening',
	    port: srv.address().port }));
	srv.on('connection', (ws, req) => {
		emit({ event: 'open', path: req.url, protocol: ws.protocol,
		    extensions: ws.extensions, headers: req.headers });
		watch(ws, a.echo);
	});
	commands(true);
} else {
	const headers = {};
	for (const h of a.header) {
		const i = h.indexOf(': ');
		headers[h.slice(0, i)] = h.slice(i + 2);
	}
	const ws = new WebSocket(a.url, a.protocol, { headers: headers,
	    perMessageDeflate: a.deflate, maxPayload: 0 });
	ws.on('open', () => emit({ event: 'open', protocol: ws.protocol,
	    extensions: ws.extensions }));
	ws.on('unexpected-response', (req, res) => {
		emit({ event: 'error', status: res.statusCode,
		    headers: res.headers });
		process.exit(0);
	});
	watch(ws, false);
	ws.on('close', () => process.exit(0));
	commands(false);
}
