// A real SMTP server for the email tests (PEERS.md: smtp-server), on
// 127.0.0.1. Each message is written as it arrived to STATE_DIR/mail/N.eml,
// its envelope to N.json.
//
//   node smtp-peer.js STATE_DIR [--tls CERT KEY] [--auth USER:PASS] [--port N]
// --tls offers STARTTLS with that certificate; --auth requires AUTH PLAIN /
// LOGIN with those credentials (and refuses others with 535). Writes
// STATE_DIR/smtp.port when listening.
const { SMTPServer } = require('smtp-server');
const fs = require('fs');
const path = require('path');

function writeWhole(file, data) {
  fs.writeFileSync(file + '.tmp', data);
  fs.renameSync(file + '.tmp', file);
}

const state = process.argv[2];
const arg = (name, n = 1) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv.slice(i + 1, i + 1 + n) : null;
};
const tls = arg('--tls', 2);
const auth = arg('--auth');
fs.mkdirSync(path.join(state, 'mail'), { recursive: true });
let count = 0;

const server = new SMTPServer({
  secure: false,
  disabledCommands: tls ? [] : ['STARTTLS'],
  key: tls ? fs.readFileSync(tls[1]) : undefined,
  cert: tls ? fs.readFileSync(tls[0]) : undefined,
  authOptional: !auth,
  allowInsecureAuth: false,
  onAuth(a, session, done) {
    const [user, pass] = auth[0].split(':');
    if (a.username === user && a.password === pass) return done(null, { user });
    const err = new Error('Invalid username or password');
    err.responseCode = 535;
    return done(err);
  },
  onData(stream, session, done) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      count += 1;
      // The envelope first and each file whole (renamed into place): a test
      // that sees N.eml can read both at once.
      writeWhole(path.join(state, 'mail', count + '.json'), JSON.stringify({
        from: session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        secure: session.secure,
        user: session.user || null,
      }));
      writeWhole(path.join(state, 'mail', count + '.eml'), Buffer.concat(chunks));
      done();
    });
  },
});
server.on('error', (e) => console.error(e));
const port = arg('--port');
server.listen(port ? Number(port[0]) : 0, '127.0.0.1', () => {
  writeWhole(path.join(state, 'smtp.port'), String(server.server.address().port));
});
