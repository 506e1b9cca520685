#!/bin/sh
# health-gate.sh: a deploy pipeline's gate. Passes only when the chronik cluster is healthy under
# `chronik status --strict` (leader with a quorum, every voter reachable and keeping up) and no
# voter's applied index is more than --max-lag entries behind the leader's commit index.
set -eu

usage() {
  cat <<'USAGE'
Usage: health-gate.sh [--max-lag N] [--wait D] [--endpoints HOST:PORT,...] [--token-file FILE]

Checks the cluster once (or, with --wait, until it is healthy or D has passed) and prints
one verdict line.

  --max-lag N        the most entries a voter may trail the leader's commit index (default 10)
  --wait D           first wait up to D (500ms, 30s, 2m) for the cluster to become healthy
                     under --strict, instead of judging a single sample
  --endpoints LIST   nodes to ask, exported as CHRONIK_ENDPOINTS for every chronik run
                     (default: env CHRONIK_ENDPOINTS, else 127.0.0.1:9192)
  --token-file FILE  file holding the cluster token (default: env CHRONIK_TOKEN)
  -h, --help         this text

Environment: CHRONIK_BIN (the chronik executable, default `chronik` on PATH),
CHRONIK_ENDPOINTS, CHRONIK_TOKEN, and chronik's TLS settings (CHRONIK_CACERT,
CHRONIK_CERT, CHRONIK_KEY), passed through unchanged. Needs node (as chronik does), not jq.

Exit status:
  0  healthy under --strict and no voter lags more than N entries
  1  the cluster could not be asked: no node answered, or it refused (token, TLS)
  2  usage error
  3  unhealthy under --strict: no leader, no quorum, a voter unreachable or lagging
  4  healthy, but a voter lags more than N entries
USAGE
}

usage_error() {
  echo "health-gate.sh: $1 (see --help)" >&2
  exit 2
}

chronik_cli() {
  "${CHRONIK_BIN:-chronik}" "$@"
}

# js EXPR: the value of a JavaScript expression over the JSON document on stdin (named d), one
# array item per line. node is there wherever chronik runs, so jq is not needed.
js() {
  node -e '
    let text = "";
    process.stdin.setEncoding("utf8").on("data", (c) => (text += c)).on("end", () => {
      const value = new Function("d", "return (" + process.argv[1] + ");")(JSON.parse(text));
      process.stdout.write([].concat(value).join("\n") + "\n");
    });' "$1"
}

max_lag=10
wait=
while [ $# -gt 0 ]; do
  case $1 in
    --max-lag | --wait | --endpoints | --token-file) [ $# -ge 2 ] || usage_error "$1 needs a value" ;;
  esac
  case $1 in
    --max-lag) max_lag=$2 && shift 2 ;;
    --wait) wait=$2 && shift 2 ;;
    --endpoints) CHRONIK_ENDPOINTS=$2 && export CHRONIK_ENDPOINTS && shift 2 ;;
    --token-file)
      [ -r "$2" ] || usage_error "cannot read token file $2"
      CHRONIK_TOKEN=$(cat -- "$2") && export CHRONIK_TOKEN && shift 2
      ;;
    -h | --help) usage && exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
case $max_lag in
  '' | *[!0-9]*) usage_error "--max-lag must be a whole number of entries, not \"$max_lag\"" ;;
esac
command -v "${CHRONIK_BIN:-chronik}" >/dev/null || usage_error "chronik not found: put it on PATH or set CHRONIK_BIN"

rc=0
if [ -n "$wait" ]; then
  doc=$(chronik_cli status --strict --json --wait healthy --timeout "$wait") || rc=$?
else
  doc=$(chronik_cli status --strict --json) || rc=$?
fi
# chronik already said why on stderr; 2 is a usage error of ours passed on (a bad --wait).
[ "$rc" -eq 2 ] && exit 2
if [ "$rc" -ne 0 ]; then
  if [ "$(printf '%s' "$doc" | js '"healthy" in d')" != true ]; then
    echo "health-gate: FAIL: could not ask the cluster (see the error on stderr)"
    exit 1
  fi
  printf '%s' "$doc" | js '"health-gate: FAIL: unhealthy under --strict: " + (d.problems.map((p) => p.code + " (" + p.message + ")").join("; ") || "no leader")'
  exit 3
fi

# Lag as status's LAG column: the leader's commit index minus each reachable voter's applied index.
worst=$(printf '%s' "$doc" | js '(() => {
  const leader = d.nodes.find((n) => n.id === d.leader);
  const lags = d.nodes.filter((n) => n.member === "voter" && n.reachable).map((n) => ({ id: n.id, lag: Math.max(0, leader.commitIndex - n.appliedIndex) }));
  const top = lags.sort((a, b) => b.lag - a.lag)[0];
  return top.lag + " " + top.id;
})()')
lag=${worst% *}
laggard=${worst#* }
summary=$(printf '%s' "$doc" | js '"leader " + d.leader + " at term " + d.term + ", voters " + d.voters.join(",")')
if [ "$lag" -gt "$max_lag" ]; then
  echo "health-gate: FAIL: voter $laggard is $lag entries behind the leader's commit index (limit $max_lag); $summary"
  exit 4
fi
echo "health-gate: ok: $summary; largest voter lag $lag (limit $max_lag)"
