#!/bin/sh
# replace-member.sh: swap one voter of a chronik cluster for a new node without ever having fewer
# voters than at the start: add the new node (learner, catch-up, promotion: `chronik add-voter`),
# then remove the old one (`chronik remove-voter`), moving leadership off it first if it leads.
set -eu

usage() {
  cat <<'USAGE'
Usage: replace-member.sh --old ID --new ID@HOST:PORT [--timeout D]
                         [--endpoints HOST:PORT,...] [--token-file FILE]

  --old ID           the voter to replace (it may be down)
  --new ID@HOST:PORT the new node; start it first with
                     `chronik bootstrap --node-id ID --listen HOST:PORT --join`
  --timeout D        how long the new node may take to catch up, and each other step; with a
                     unit: 30s, 5m (default 2m)
  --endpoints LIST   nodes to ask, exported as CHRONIK_ENDPOINTS for every chronik run
                     (default: env CHRONIK_ENDPOINTS, else 127.0.0.1:9192)
  --token-file FILE  file holding the cluster token (default: env CHRONIK_TOKEN)
  -h, --help         this text

Safe to re-run after a failure: a new node that is already a voter is left as it is, and an
old member that is already gone is not removed twice. Stop the old node afterwards.

Environment: CHRONIK_BIN (the chronik executable, default `chronik` on PATH),
CHRONIK_ENDPOINTS, CHRONIK_TOKEN, and chronik's TLS settings (CHRONIK_CACERT,
CHRONIK_CERT, CHRONIK_KEY), passed through unchanged. Needs node (as chronik does), not jq.

Exit status:
  0  the new node is a voter and the old one is not; the new voter set is printed
  1  a step failed; the message says which and where the membership stands
     (the old voter is never removed before the new one is a voter)
  2  usage error
  3  the cluster was not healthy (no leader or no quorum) at the start: nothing changed
USAGE
}

usage_error() {
  echo "replace-member.sh: $1 (see --help)" >&2
  exit 2
}

fail() {
  echo "replace-member.sh: $1" >&2
  exit 1
}

say() {
  echo "replace-member: $1"
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

old=
new=
timeout=2m
while [ $# -gt 0 ]; do
  case $1 in
    --old | --new | --timeout | --endpoints | --token-file) [ $# -ge 2 ] || usage_error "$1 needs a value" ;;
  esac
  case $1 in
    --old) old=$2 && shift 2 ;;
    --new) new=$2 && shift 2 ;;
    --timeout) timeout=$2 && shift 2 ;;
    --endpoints) CHRONIK_ENDPOINTS=$2 && export CHRONIK_ENDPOINTS && shift 2 ;;
    --token-file)
      [ -r "$2" ] || usage_error "cannot read token file $2"
      CHRONIK_TOKEN=$(cat -- "$2") && export CHRONIK_TOKEN && shift 2
      ;;
    -h | --help) usage && exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
[ -n "$old" ] || usage_error "--old is required"
[ -n "$new" ] || usage_error "--new is required"
new_id=${new%%@*}
case $old in
  '' | *[!0-9]* | 0) usage_error "--old must be a member id, not \"$old\"" ;;
esac
case $new in
  *@*:*) ;;
  *) usage_error "--new must be ID@HOST:PORT, not \"$new\"" ;;
esac
case $new_id in
  '' | *[!0-9]* | 0) usage_error "--new must start with a member id: ID@HOST:PORT, not \"$new\"" ;;
esac
[ "$old" != "$new_id" ] || usage_error "--old and --new name the same id $old"
command -v "${CHRONIK_BIN:-chronik}" >/dev/null || usage_error "chronik not found: put it on PATH or set CHRONIK_BIN"

# voters_of DOC: the voter ids, space-separated.
voters_of() {
  printf '%s' "$1" | js 'd.voters.join(" ")'
}

is_in() {
  case " $2 " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
  esac
}

# A wrong endpoint should not cost a whole --timeout of waiting.
rc=0
chronik_cli status --json >/dev/null || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "could not ask the cluster (see the error above); nothing changed"
rc=0
start=$(chronik_cli status --wait healthy --timeout "$timeout" --json) || rc=$?
case $rc in
  0) ;;
  2) exit 2 ;;
  *)
    if [ -n "$start" ] && [ "$(printf '%s' "$start" | js '"healthy" in d')" = true ]; then
      echo "replace-member.sh: the cluster has no leader with a quorum; membership changes need one. Nothing changed:" >&2
      printf '%s' "$start" | js 'd.problems.map((p) => "  " + p.code + ": " + p.message)' >&2
      exit 3
    fi
    fail "could not ask the cluster (see the error above); nothing changed"
    ;;
esac
voters=$(voters_of "$start")
count=$(printf '%s' "$start" | js 'd.voters.length')
if ! is_in "$old" "$voters"; then
  if is_in "$new_id" "$voters"; then
    say "already done: $new_id is a voter and $old is not; voters $voters"
    exit 0
  fi
  fail "$old is not a voter (voters: $voters); nothing changed"
fi
say "voters $voters; adding $new, then removing $old"

# 1. The new node joins as a learner, catches up, and is promoted (add-voter does all three and
#    removes the learner again if it cannot catch up in time).
chronik_cli add-voter "$new" --timeout "$timeout" >/dev/null || fail "add-voter $new failed; $old is still a voter, nothing was removed"

# 2. The guard: the old voter goes only if the voters left are at least as many as at the start.
doc=$(chronik_cli status --json) || [ $? -eq 3 ] || fail "could not ask the cluster after adding $new_id; $old is still a voter"
voters=$(voters_of "$doc")
now=$(printf '%s' "$doc" | js 'd.voters.length')
is_in "$new_id" "$voters" || fail "$new_id is not a voter after add-voter (voters: $voters); $old is still a voter"
[ $((now - 1)) -ge "$count" ] || fail "removing $old would leave $((now - 1)) voters, fewer than the $count at the start (voters: $voters); nothing removed"

# 3. A leader that removes itself steps down only after the change commits; moving leadership to the
#    new voter first keeps the cluster led throughout.
if [ "$(printf '%s' "$doc" | js 'd.leader')" = "$old" ]; then
  say "$old leads: moving leadership to $new_id"
  chronik_cli transfer-leader "$new_id" --timeout "$timeout" >/dev/null || fail "could not move leadership away from $old; $new_id was added, $old is still a voter: run chronik remove-voter $old"
fi
chronik_cli remove-voter "$old" --timeout "$timeout" >/dev/null || fail "remove-voter $old failed; $new_id was added, $old is still a voter: run chronik remove-voter $old"

end=$(chronik_cli status --wait healthy --timeout "$timeout" --json) || fail "the cluster is not healthy after the change"
say "done: voters $(voters_of "$end"); stop the old node $old now"
