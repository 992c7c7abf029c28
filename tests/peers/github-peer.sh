#!/usr/bin/env bash
# start | stop the tracker peers: prism serving GitHub's own OpenAPI
# description (prepared by prepare-github-spec.js), and Atlassian's Jira,
# Jira Server's, the Trello, Gitea and Slack descriptions (prepare-spec.js), each on a free
# 127.0.0.1 port behind its own recording, fault-injecting proxy. Writes
# ports and pids under STATE_DIR (GitHub's at the top, the others' in jira/,
# jira-server/, trello/, gitea/, slack/) for the tests. Exit 77 if the peers are not installed
# (scripts/test.sh installs them).
set -euo pipefail
action=$1 state=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$state"
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# start_other NAME PROBE_PATH: prism on NAME's description, and its proxy.
start_other() {
  local name=$1 probe=$2 dir=$state/$1 port
  mkdir -p "$dir"
  node "$here/prepare-spec.js" "$name" "$dir/spec.json"
  port=$(free_port)
  setsid "$here/node_modules/.bin/prism" mock -h 127.0.0.1 -p "$port" "$dir/spec.json" >"$dir/prism.log" 2>&1 </dev/null &
  echo $! >"$dir/prism.pid"
  echo "$port" >"$dir/prism.port"
  for _ in $(seq 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$port$probe" 2>/dev/null; then
      rm -f "$dir/proxy.port" "$dir/control.port"
      setsid node "$here/fault-proxy.js" "http://127.0.0.1:$port" "$dir" >"$dir/proxy.log" 2>&1 </dev/null &
      echo $! >"$dir/proxy.pid"
      for _ in $(seq 100); do [ -s "$dir/control.port" ] && { echo "prism ($name) ready, proxy on 127.0.0.1:$(cat "$dir/proxy.port")"; return 0; }; sleep 0.1; done
      echo "the $name proxy did not start"; cat "$dir/proxy.log"; exit 1
    fi
    kill -0 "$(cat "$dir/prism.pid")" 2>/dev/null || { cat "$dir/prism.log"; exit 1; }
    sleep 0.2
  done
  echo "prism ($name) did not become ready"; tail -20 "$dir/prism.log"; exit 1
}

case $action in
  start)
    prism=$here/node_modules/.bin/prism
    [ -x "$prism" ] || { echo "test peers not installed (npm ci in tests/peers): skipping"; exit 77; }
    command -v node >/dev/null || { echo "node not found: skipping"; exit 77; }
    node "$here/prepare-github-spec.js" "$state/github-spec.json"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
           echo $((20000 + RANDOM % 20000)))
    setsid "$prism" mock -h 127.0.0.1 -p "$port" "$state/github-spec.json" >"$state/github-prism.log" 2>&1 </dev/null &
    echo $! >"$state/github.pid"
    echo "$port" >"$state/github.port"
    # Ready when it answers (10-30 s to load the description; 120 s while compiling).
    for _ in $(seq 600); do
      if curl -s -o /dev/null "http://127.0.0.1:$port/repos/acme/widgets/issues/12" 2>/dev/null; then
        echo "prism (GitHub) ready on 127.0.0.1:$port"
        # The recording, fault-injecting proxy in front of it.
        rm -f "$state/proxy.port" "$state/control.port"
        setsid node "$here/fault-proxy.js" "http://127.0.0.1:$port" "$state" >"$state/proxy.log" 2>&1 </dev/null &
        echo $! >"$state/proxy.pid"
        for _ in $(seq 100); do [ -s "$state/control.port" ] && break; sleep 0.1; done
        [ -s "$state/control.port" ] || { echo "the fault proxy did not start"; cat "$state/proxy.log"; exit 1; }
        echo "proxy on 127.0.0.1:$(cat "$state/proxy.port")"
        start_other jira "/rest/api/3/issue/BILL-7"
        start_other trello "/1/cards/abc123XY?key=k&token=t"
        start_other gitea "/api/v1/repos/acme/widgets/issues/12"
        start_other jira-server "/rest/api/2/issue/BILL-7"
        start_other slack "/api/conversations.history?channel=C0123ABCD"
        exit 0
      fi
      kill -0 "$(cat "$state/github.pid")" 2>/dev/null || { cat "$state/github-prism.log"; exit 1; }
      sleep 0.2
    done
    echo "prism did not become ready"; tail -20 "$state/github-prism.log"; exit 1 ;;
  stop)
    for name in jira jira-server trello gitea slack; do
      [ -f "$state/$name/proxy.pid" ] && kill "$(cat "$state/$name/proxy.pid")" 2>/dev/null || true
      [ -f "$state/$name/prism.pid" ] && { kill -- "-$(cat "$state/$name/prism.pid")" 2>/dev/null || kill "$(cat "$state/$name/prism.pid")" 2>/dev/null || true; }
      rm -f "$state/$name/prism.pid" "$state/$name/prism.port"
    done
    [ -f "$state/proxy.pid" ] && kill "$(cat "$state/proxy.pid")" 2>/dev/null || true
    [ -f "$state/github.pid" ] && kill -- "-$(cat "$state/github.pid")" 2>/dev/null || kill "$(cat "$state/github.pid" 2>/dev/null)" 2>/dev/null || true
    rm -f "$state/github.pid" "$state/github.port"; exit 0 ;;
esac
