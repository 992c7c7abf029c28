// A recording, fault-injecting proxy in front of prism (PEERS.md): prism
// validates every request; this proxy logs each one as a JSON line, injects
// faults on request, and remembers what was posted (GitHub and Gitea
// comments, Jira comments and worklogs, Trello card comments, Slack
// messages) so that a tracker's find() — a sink's look for an earlier
// delivery — sees it: prism keeps no state.
//
//   node fault-proxy.js TARGET_URL STATE_DIR [--tls CERT KEY]
// Writes STATE_DIR/proxy.port and STATE_DIR/control.port. Control API (on
// its own port, plain HTTP):
//   POST /faults  [{"method": "POST", "path": "/comments$", "times": 1,
//                   "status": 500, "headers": {...}, "body": "..."} |
//                  {..., "status": 500, "message_bytes": N}  (an error body
//                   {"message", "errorMessages"} of N bytes each, as a server's
//                   huge error page would be) |
//                  {..., "action": "hang"}  (forward, record, never answer) |
//                  {..., "action": "black_hole"}  (record, never forward, never answer:
//                   a request that stays in flight, GETs included) |
//                  {..., "action": "paginate", "pages": 3}  (forward; add a Link
//                   header to the next page, GitHub-style, up to page `pages`) |
//                  {..., "action": "delay", "ms": 300}  (the server takes that long
//                   before it forwards, records and answers: a post in flight)]
//   POST /seed    {"thread": "/repos/o/r/issues/N", "bodies": ["...", ...]}
//                  (comments other people posted before)
// GitHub comment lists are paged as GitHub does (per_page, default 30, at
// most 100; page; a Link header with first, prev, next and last).
//   POST /offline {"seconds": 3}   (stop listening: connection refused)
//   GET  /requests                 (the log, one JSON object per request)
//   POST /reset
const http = require('http');
const https = require('https');
const fs = require('fs');
const path = require('path');

const [target, state] = process.argv.slice(2, 4);
const tlsAt = process.argv.indexOf('--tls');
const tls = tlsAt > 0 ? { cert: fs.readFileSync(process.argv[tlsAt + 1]), key: fs.readFileSync(process.argv[tlsAt + 2]) } : null;

let faults = [];
let requests = [];
let comments = {};  // "/repos/o/r/issues/N" -> [{id, body}]
let nextId = 1000;

function matching(req) {
  for (const f of faults) {
    if (f.times <= 0) continue;
    if (f.method && f.method !== req.method) continue;
    if (f.path && !new RegExp(f.path).test(req.url.split('?')[0])) continue;
    f.times -= 1;
    return f;
  }
  return null;
}

// Where trackers keep posts that find() reads back: GitHub issue comments,
// Jira comments and worklogs, Trello card comments.
function threadOf(method, p) {
  let m;
  if ((m = /^(\/repos\/[^/]+\/[^/]+\/issues\/\d+)\/comments$/.exec(p))) return { kind: 'github', key: m[1] };
  if ((m = /^(\/api\/v1\/repos\/[^/]+\/[^/]+\/issues\/\d+)\/comments$/.exec(p))) return { kind: 'gitea', key: m[1] };
  if ((m = /^\/rest\/api\/[23]\/issue\/[^/]+\/(comment|worklog)$/.exec(p))) return { kind: 'jira-' + m[1], key: p };
  if (method === 'POST' && (m = /^(\/1\/cards\/[^/]+)\/actions\/comments$/.exec(p))) return { kind: 'trello', key: m[1] };
  if (method === 'GET' && (m = /^(\/1\/cards\/[^/]+)\/actions$/.exec(p))) return { kind: 'trello', key: m[1] };
  return null;
}

// A Slack channel's messages: posted by chat.postMessage (the channel in
// its JSON body), read by conversations.history (in its query).
function slackThread(req, body) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname === '/api/chat.postMessage') {
    let channel = '';
    try { channel = JSON.parse(body.toString()).channel || ''; } catch (e) { channel = ''; }
    return { kind: 'slack', key: 'slack:' + channel };
  }
  if (req.method === 'GET' && url.pathname === '/api/conversations.history')
    return { kind: 'slack', key: 'slack:' + (url.searchParams.get('channel') || '') };
  return null;
}

function remember(thread, requestBody, replyBody) {
  const id = nextId++;
  const sent = JSON.parse(requestBody || '{}');
  let reply = {};
  try { reply = JSON.parse(replyBody); } catch (e) { reply = {}; }
  let stored;
  if (thread.kind === 'github' || thread.kind === 'gitea') {
    stored = { id, body: sent.body };
    reply.id = id;
  } else if (thread.kind.startsWith('jira')) {
    stored = Object.assign({}, sent, { id: String(id) });
    reply.id = String(id);
  } else if (thread.kind === 'slack') {
    const ts = Math.floor(Date.now() / 1000) + '.' + String(id).padStart(6, '0');
    stored = { type: 'message', subtype: 'bot_message', bot_id: 'B0DEVTRACK', text: sent.text, ts };
    if (sent.metadata) stored.metadata = sent.metadata;
    reply = { ok: true, channel: sent.channel, ts, message: stored };
  } else {
    const hex = id.toString(16).padStart(24, '0');
    stored = { id: hex, type: 'commentCard', data: { text: sent.text } };
    reply = stored;
  }
  (comments[thread.key] = comments[thread.key] || []).push(stored);
  return { id: stored.id, reply };
}

function listing(thread, posts) {
  if (thread.kind === 'jira-comment') return { startAt: 0, maxResults: 5000, total: posts.length, comments: posts };
  if (thread.kind === 'jira-worklog') return { startAt: 0, maxResults: 5000, total: posts.length, worklogs: posts };
  if (thread.kind === 'slack')  // newest first, as Slack lists them; one page
    return { ok: true, messages: posts.slice().reverse(), has_more: false, pin_count: 0, response_metadata: { next_cursor: '' } };
  return posts;
}

function forward(req, body, done) {
  const url = new URL(req.url, target);
  const headers = Object.assign({}, req.headers, { host: url.host });
  const out = http.request(url, { method: req.method, headers }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => done(res.statusCode, res.headers, Buffer.concat(chunks)));
  });
  out.on('error', (e) => done(502, {}, Buffer.from(JSON.stringify({ message: String(e) }))));
  out.end(body);
}

function handle(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const entry = { method: req.method, path: req.url, headers: req.headers, body: body.toString() };
    requests.push(entry);
    const fault = matching(req);
    if (fault && fault.action === 'black_hole') { entry.hung = true; return; }
    if (fault && !fault.action) {
      entry.injected = fault.status;
      res.writeHead(fault.status, Object.assign({ 'content-type': 'application/json' }, fault.headers || {}));
      if (fault.message_bytes) {
        const big = 'E'.repeat(fault.message_bytes);
        res.end(JSON.stringify({ message: big, errorMessages: [big] }));
        return;
      }
      res.end(fault.body || JSON.stringify({ message: 'injected ' + fault.status }));
      return;
    }
    if (fault && fault.action === 'delay') setTimeout(() => answer(req, res, body, entry, null), fault.ms);
    else answer(req, res, body, entry, fault);
  });
}

// Forwards a request that got no injected status, records what it posted
// and answers it (with the `hang` or `paginate` fault, if any).
function answer(req, res, body, entry, fault) {
  const thread = threadOf(req.method, req.url.split('?')[0]) || slackThread(req, body);
  if (thread && req.method === 'GET') {
    // The posts made through us, in the tracker's shape (validated auth first).
    forward(req, body, (status, headers, data) => {
      entry.status = status;
      if (status !== 200) { res.writeHead(status, headers); res.end(data); return; }
      const posts = comments[thread.key] || [];
      if (thread.kind === 'github') return pagedGitHub(req, res, posts);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(listing(thread, posts)));
    });
    return;
  }
  forward(req, body, (status, headers, data) => {
    entry.status = status;
    let out = data;
    if (thread && req.method === 'POST' && status >= 200 && status < 300) {
      const post = remember(thread, body.toString(), data.toString());
      out = Buffer.from(JSON.stringify(post.reply));
      entry.comment_id = post.id;
    }
    if (fault && fault.action === 'hang') { entry.hung = true; return; }  // it arrived; no answer
    if (fault && fault.action === 'paginate') {
      const url = new URL(req.url, 'http://127.0.0.1:' + port);
      const page = Number(url.searchParams.get('page') || '1');
      if (page < fault.pages) {
        url.searchParams.set('page', String(page + 1));
        headers.link = '<' + url.toString() + '>; rel="next", <' + url.toString() + '>; rel="last"';
      } else {
        delete headers.link;  // prism's example has one, to api.github.com
      }
    }
    delete headers['content-length'];
    res.writeHead(status, headers);
    res.end(out);
  });
}

// One page of a GitHub list, oldest first, with GitHub's Link header.
function pagedGitHub(req, res, posts) {
  const url = new URL(req.url, (tls ? 'https' : 'http') + '://127.0.0.1:' + port);
  const perPage = Math.min(100, Number(url.searchParams.get('per_page') || '30'));
  const page = Math.max(1, Number(url.searchParams.get('page') || '1'));
  const last = Math.max(1, Math.ceil(posts.length / perPage));
  const at = (n) => { url.searchParams.set('page', String(n)); return url.toString(); };
  const links = [];
  if (page > 1) links.push('<' + at(1) + '>; rel="first"', '<' + at(page - 1) + '>; rel="prev"');
  if (page < last) links.push('<' + at(page + 1) + '>; rel="next"', '<' + at(last) + '>; rel="last"');
  const headers = { 'content-type': 'application/json' };
  if (links.length) headers.link = links.join(', ');
  res.writeHead(200, headers);
  res.end(JSON.stringify(posts.slice((page - 1) * perPage, page * perPage)));
}

let server = null;
let port = 0;
function listen(done) {
  server = tls ? https.createServer(tls, handle) : http.createServer(handle);
  server.listen(port, '127.0.0.1', () => { port = server.address().port; done && done(); });
}

const control = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : null;
    if (req.url === '/faults') faults = faults.concat(body.map((f) => Object.assign({ times: 1 }, f)));
    else if (req.url === '/offline') { server.close(); server.closeAllConnections && server.closeAllConnections(); setTimeout(() => listen(), body.seconds * 1000); }
    else if (req.url === '/seed') {
      for (const b of body.bodies) (comments[body.thread] = comments[body.thread] || []).push({ id: nextId++, body: b });
    }
    else if (req.url === '/reset') { faults = []; requests = []; comments = {}; nextId = 1000; }
    else if (req.url === '/requests') { res.end(requests.map((r) => JSON.stringify(r)).join('\n') + '\n'); return; }
    else if (req.url === '/comments') { res.end(JSON.stringify(comments)); return; }
    res.end('{}');
  });
});

listen(() => {
  control.listen(0, '127.0.0.1', () => {
    fs.writeFileSync(path.join(state, 'proxy.port'), String(port));
    fs.writeFileSync(path.join(state, 'control.port'), String(control.address().port));
  });
});
