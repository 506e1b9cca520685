#!/bin/sh
# wait-for-leader.sh: block until the chronik cluster has a leader, or give up at the timeout.
# A thin wrapper around `chronik status --wait leader`, for symmetry with the other scripts.
set -eu

usage() {
  cat <<'USAGE'
Usage: wait-for-leader.sh [--timeout D] [--endpoints HOST:PORT,...] [--token-file FILE] [--json]

Waits until a node of the cluster leads at the newest term, then prints the status
(a table, or the status JSON document with --json).

  --timeout D        how long to wait, with a unit: 500ms, 30s, 2m (default 30s)
  --endpoints LIST   nodes to ask, exported as CHRONIK_ENDPOINTS for every chronik run
                     (default: env CHRONIK_ENDPOINTS, else 127.0.0.1:9192)
  --token-file FILE  file holding the cluster token (default: env CHRONIK_TOKEN)
  --json             print the final status as JSON
  -h, --help         this text

Environment: CHRONIK_BIN (the chronik executable, default `chronik` on PATH),
CHRONIK_ENDPOINTS, CHRONIK_TOKEN, and chronik's TLS settings (CHRONIK_CACERT,
CHRONIK_CERT, CHRONIK_KEY), passed through unchanged.

Exit status:
  0  the cluster has a leader
  1  no leader within the timeout (the last status is printed), or the cluster could not
     be asked (no node answered, or it refused: token, TLS)
  2  usage error
USAGE
}

usage_error() {
  echo "wait-for-leader.sh: $1 (see --help)" >&2
  exit 2
}

timeout=30s
json=
while [ $# -gt 0 ]; do
  case $1 in
    --timeout | --endpoints | --token-file) [ $# -ge 2 ] || usage_error "$1 needs a value" ;;
  esac
  case $1 in
    --timeout) timeout=$2 && shift 2 ;;
    --endpoints) CHRONIK_ENDPOINTS=$2 && export CHRONIK_ENDPOINTS && shift 2 ;;
    --token-file)
      [ -r "$2" ] || usage_error "cannot read token file $2"
      CHRONIK_TOKEN=$(cat -- "$2") && export CHRONIK_TOKEN && shift 2
      ;;
    --json) json=--json && shift ;;
    -h | --help) usage && exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
command -v "${CHRONIK_BIN:-chronik}" >/dev/null || usage_error "chronik not found: put it on PATH or set CHRONIK_BIN"

exec "${CHRONIK_BIN:-chronik}" status --wait leader --timeout "$timeout" ${json:+"$json"}
