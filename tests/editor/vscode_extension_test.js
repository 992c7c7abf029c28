// The VS Code extension's logic, run with node against a small stand-in for
// the `vscode` module (it was not run inside VS Code here). The stand-in
// records the event handlers; `devtrack.command` is a script that logs its
// arguments, so the heartbeats the extension starts can be checked.
//   node vscode_extension_test.js EXTENSION_DIR WORK_DIR
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const Module = require('module');

const [extensionDir, work] = process.argv.slice(2);
const log = path.join(work, 'calls.log');
const fake = path.join(work, 'fake-devtrack');
fs.writeFileSync(fake, `#!/bin/sh\necho "$@" >> '${log}'\n`, { mode: 0o755 });

const handlers = {};
const vscode = {
  workspace: {
    getConfiguration: () => ({ get: (key, fallback) => ({ command: fake, interval: 120 }[key] ?? fallback) }),
    onDidSaveTextDocument: (f) => { handlers.save = f; return { dispose() {} }; },
    onDidChangeTextDocument: (f) => { handlers.change = f; return { dispose() {} }; },
  },
  window: { onDidChangeActiveTextEditor: (f) => { handlers.editor = f; return { dispose() {} }; } },
};
const load = Module._load;
Module._load = (request, ...rest) => (request === 'vscode' ? vscode : load(request, ...rest));

const extension = require(path.join(extensionDir, 'extension.js'));
const context = { subscriptions: [] };
extension.activate(context);
assert.strictEqual(context.subscriptions.length, 3, 'three event subscriptions');

const doc = (file, scheme = 'file') => ({ uri: { scheme, fsPath: file } });
handlers.change({ document: doc('/src/app/main.c') });
handlers.change({ document: doc('/src/app/main.c') });       // within the interval: not again
handlers.save(doc('/src/app/util.c'));                        // another file: yes, with --write
handlers.editor({ document: doc('untitled:1', 'untitled') }); // not a file: no
handlers.editor(undefined);                                   // no editor: no

setTimeout(() => {
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').sort() : [];
  assert.deepStrictEqual(calls, [
    'heartbeat --file /src/app/main.c --editor vscode',
    'heartbeat --file /src/app/util.c --editor vscode --write',
  ]);
  console.log('vscode extension: 2 heartbeats as expected (rate limit, --write, non-file documents skipped)');
}, 500);
