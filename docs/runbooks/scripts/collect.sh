#!/bin/sh
# collect.sh: gather what an incident ticket needs from a chronik cluster into one tarball: the
# cluster's status, each member's own status and /metrics, the logs given, and `chronik diagnose`
# over those logs.
set -eu

usage() {
  cat <<'USAGE'
Usage: collect.sh --out DIR [--timeout D] [--endpoints HOST:PORT,...] [--token-file FILE] [LOG...]

Writes DIR/chronik-collect-<UTC time>.tar.gz and prints its path as the last line. Inside,
under chronik-collect-<UTC time>/:
  status.json                   chronik status --json (the whole cluster)
  members/node-<id>/status.json chronik status --json asked through that member alone
  members/node-<id>/metrics.txt the member's /metrics
  logs/                         copies of the LOG files and directories given
  diagnose.json                 chronik diagnose --json over the LOGs (when any are given)
  manifest.txt                  what was collected, and what could not be, with exit codes

  --out DIR          where to write the tarball (created if missing)
  --timeout D        how long each status question may wait, with a unit (default 5s)
  --endpoints LIST   nodes to ask, exported as CHRONIK_ENDPOINTS for every chronik run
                     (default: env CHRONIK_ENDPOINTS, else 127.0.0.1:9192)
  --token-file FILE  file holding the cluster token (default: env CHRONIK_TOKEN); the token is
                     sent to the nodes, never written into the tarball
  LOG...             log files, directories, .gz files, or chronik data dirs
  -h, --help         this text

A member that does not answer does not stop the collection: the manifest says what is missing.

Environment: CHRONIK_BIN (the chronik executable, default `chronik` on PATH),
CHRONIK_ENDPOINTS, CHRONIK_TOKEN, and chronik's TLS settings (CHRONIK_CACERT,
CHRONIK_CERT, CHRONIK_KEY), passed through unchanged. With https:// endpoints every member is
asked over https, and /metrics trusts CHRONIK_CACERT and presents CHRONIK_CERT/CHRONIK_KEY.
Needs node (as chronik does), tar and gzip, not jq.

Exit status:
  0  the tarball was written (parts that could not be collected are listed in manifest.txt and
     on stderr)
  1  the tarball could not be written
  2  usage error (no --out, a LOG path that does not exist)
USAGE
}

usage_error() {
  echo "collect.sh: $1 (see --help)" >&2
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

out=
timeout=5s
while [ $# -gt 0 ]; do
  case $1 in
    --out | --timeout | --endpoints | --token-file) [ $# -ge 2 ] || usage_error "$1 needs a value" ;;
  esac
  case $1 in
    --out) out=$2 && shift 2 ;;
    --timeout) timeout=$2 && shift 2 ;;
    --endpoints) CHRONIK_ENDPOINTS=$2 && export CHRONIK_ENDPOINTS && shift 2 ;;
    --token-file)
      [ -r "$2" ] || usage_error "cannot read token file $2"
      CHRONIK_TOKEN=$(cat -- "$2") && export CHRONIK_TOKEN && shift 2
      ;;
    -h | --help) usage && exit 0 ;;
    --) shift && break ;;
    -*) usage_error "unknown option: $1" ;;
    *) break ;;
  esac
done
[ -n "$out" ] || usage_error "--out is required"
for log in "$@"; do
  [ -e "$log" ] || usage_error "no such log file or directory: $log"
done
command -v "${CHRONIK_BIN:-chronik}" >/dev/null || usage_error "chronik not found: put it on PATH or set CHRONIK_BIN"

name=chronik-collect-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p -- "$out" || { echo "collect.sh: cannot create $out" >&2; exit 1; }
work=$out/$name
mkdir -p -- "$work/members" "$work/logs" || { echo "collect.sh: cannot write to $out" >&2; exit 1; }
manifest=$work/manifest.txt

# note WHAT RC: one manifest line per piece; a piece that could not be collected is also said on stderr.
note() {
  echo "$1: exit $2" >>"$manifest"
}
missed() {
  echo "$1: NOT COLLECTED: $2" >>"$manifest"
  echo "collect.sh: $1 not collected: $2" >&2
}

{
  echo "chronik collect $name"
  echo "endpoints: ${CHRONIK_ENDPOINTS:-127.0.0.1:9192 (default)}"
  echo "chronik: $(chronik_cli --version 2>/dev/null || echo unknown)"
} >"$manifest"

# status exits 0 (healthy) or 3 (unhealthy): both are a status document worth keeping.
rc=0
chronik_cli status --json --timeout "$timeout" >"$work/status.json" 2>>"$manifest" || rc=$?
note status.json "$rc"
members=
if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then
  members=$(js 'd.nodes.map((n) => (n.id === null ? "endpoint-" + n.endpoint.replace(/[^0-9A-Za-z.-]/g, "_") : "node-" + n.id) + " " + n.endpoint)' <"$work/status.json")
else
  missed status.json "chronik status failed (exit $rc)"
fi

# The members' addresses in status.json are HOST:PORT; a TLS cluster (https:// endpoints) is asked over
# https everywhere, as chronik itself does with the members it discovers.
case ${CHRONIK_ENDPOINTS:-} in
  *https://*) scheme=https:// ;;
  *) scheme= ;;
esac

# metrics URL: one member's /metrics on stdout, with the token if there is one, and on https with
# chronik's TLS settings (the CA to trust, the client pair a node started with --client-ca-file asks for).
metrics() {
  node -e '
    const endpoint = process.argv[1];
    const url = new URL((/^https?:\/\//.test(endpoint) ? endpoint : "http://" + endpoint).replace(/\/$/, "") + "/metrics");
    const headers = process.env.CHRONIK_TOKEN ? { authorization: "Bearer " + process.env.CHRONIK_TOKEN } : {};
    const read = (name) => (process.env[name] ? require("fs").readFileSync(process.env[name]) : undefined);
    const tls = url.protocol === "https:" ? { ca: read("CHRONIK_CACERT"), cert: read("CHRONIK_CERT"), key: read("CHRONIK_KEY") } : {};
    const fail = (why) => {
      console.error(url.href + ": " + why);
      process.exit(1);
    };
    const req = require(url.protocol === "https:" ? "https" : "http").get(url, { headers, timeout: 5000, ...tls }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c) => (text += c)).on("end", () => (res.statusCode === 200 ? process.stdout.write(text) : fail("HTTP " + res.statusCode)));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => fail(err.code ?? err.message));' "$1"
}

printf '%s\n' "$members" | while read -r member endpoint; do
  [ -n "$member" ] || continue
  dir=$work/members/$member
  mkdir -p -- "$dir"
  rc=0
  chronik_cli status --json --timeout "$timeout" --endpoints "$scheme$endpoint" >"$dir/status.json" 2>>"$manifest" || rc=$?
  note "members/$member/status.json" "$rc"
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || missed "members/$member/status.json" "$endpoint did not answer (exit $rc)"
  rc=0
  metrics "$scheme$endpoint" >"$dir/metrics.txt" 2>>"$manifest" || rc=$?
  note "members/$member/metrics.txt" "$rc"
  [ "$rc" -eq 0 ] || missed "members/$member/metrics.txt" "$endpoint did not answer"
done

i=0
for log in "$@"; do
  i=$((i + 1))
  # Numbered, so that two files called node.log from different places both survive.
  cp -R -- "$log" "$work/logs/$i-$(basename -- "$log")" || missed "logs/$i" "cannot copy $log"
done
if [ $# -gt 0 ]; then
  rc=0
  chronik_cli diagnose --json -- "$@" >"$work/diagnose.json" 2>>"$manifest" || rc=$?
  note diagnose.json "$rc"
  # diagnose exits 3 when it finds something: that report is what the ticket needs.
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || missed diagnose.json "chronik diagnose failed (exit $rc)"
else
  echo "diagnose.json: no logs given" >>"$manifest"
fi

tarball=$out/$name.tar.gz
if ! tar -czf "$tarball" -C "$out" "$name"; then
  echo "collect.sh: cannot write $tarball" >&2
  exit 1
fi
rm -rf -- "$work"
echo "$tarball"
