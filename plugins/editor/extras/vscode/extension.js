// DevTrack for VS Code: `devtrack heartbeat` for the file being edited, run
// in the background (execFile, never awaited), at most once per file every
// devtrack.interval seconds. Install:
// docs/editors.md.
const vscode = require('vscode');
const { execFile } = require('child_process');

function activate(context) {
  const last = new Map();
  const settings = () => vscode.workspace.getConfiguration('devtrack');
  const beat = (document, write) => {
    if (!document || !document.uri || document.uri.scheme !== 'file') return;
    const file = document.uri.fsPath;
    const now = Date.now();
    const interval = settings().get('interval', 120) * 1000;
    if (last.has(file) && now - last.get(file) < interval) return;
    last.set(file, now);
    const args = ['heartbeat', '--file', file, '--editor', 'vscode'];
    if (write) args.push('--write');
    execFile(settings().get('command', 'devtrack'), args, { timeout: 5000 }, () => {});
  };
  context.subscriptions.push(
    vscode.workspace.onDidSaveTextDocument((document) => beat(document, true)),
    vscode.workspace.onDidChangeTextDocument((event) => beat(event.document, false)),
    vscode.window.onDidChangeActiveTextEditor((editor) => editor && beat(editor.document, false)),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
