#!/bin/sh
# rolling-restart.sh: restart the members of a chronik cluster one at a time without losing the
# quorum: followers first, the leader last after moving leadership away from it, and after each
# restart wait until the member answers again and has caught up before touching the next one.
set -eu

usage() {
  cat <<'USAGE'
Usage: rolling-restart.sh --restart-cmd CMD [--members ID,ID,...] [--timeout D]
                          [--endpoints HOST:PORT,...] [--token-file FILE]

  --restart-cmd CMD  shell command that restarts one member; {id} is replaced by its id,
                     e.g. 'systemctl restart chronik@{id}' or 'ssh node{id} sudo systemctl restart chronik'
  --members LIST     members to restart, comma-separated (default: every voter and learner)
  --timeout D        how long each step may take: a member coming back, its catch-up, the
                     leader transfer; with a unit: 30s, 2m (default 2m)
  --endpoints LIST   nodes to ask, exported as CHRONIK_ENDPOINTS for every chronik run
                     (default: env CHRONIK_ENDPOINTS, else 127.0.0.1:9192);
                     list more than one, as the member being restarted does not answer
  --token-file FILE  file holding the cluster token (default: env CHRONIK_TOKEN)
  -h, --help         this text

Before anything is restarted the cluster must be healthy under `chronik status --strict`.
A member is back when it answers, follows the current leader at its term, and its applied
index has reached the leader's commit index as of when it came back. The script stops at the
first member that does not come back and restarts nothing after it.

Environment: CHRONIK_BIN (the chronik executable, default `chronik` on PATH),
CHRONIK_ENDPOINTS, CHRONIK_TOKEN, and chronik's TLS settings (CHRONIK_CACERT,
CHRONIK_CERT, CHRONIK_KEY), passed through unchanged. Needs node (as chronik does), not jq.

Exit status:
  0  every member was restarted and caught up; the cluster is healthy with the same voters
  1  stopped: a restart command failed, a member did not come back or catch up in time,
     leadership could not be moved, or the cluster could not be asked
  2  usage error
  3  the cluster was not healthy (--strict) before starting: nothing was restarted
USAGE
}

usage_error() {
  echo "rolling-restart.sh: $1 (see --help)" >&2
  exit 2
}

fail() {
  echo "rolling-restart.sh: $1" >&2
  exit 1
}

say() {
  echo "rolling-restart: $1"
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

restart_cmd=
members=
timeout=2m
while [ $# -gt 0 ]; do
  case $1 in
    --restart-cmd | --members | --timeout | --endpoints | --token-file) [ $# -ge 2 ] || usage_error "$1 needs a value" ;;
  esac
  case $1 in
    --restart-cmd) restart_cmd=$2 && shift 2 ;;
    --members) members=$2 && shift 2 ;;
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
[ -n "$restart_cmd" ] || usage_error "--restart-cmd is required"
case $restart_cmd in
  *'{id}'*) ;;
  *) usage_error "--restart-cmd must contain {id}, the member to restart" ;;
esac
command -v "${CHRONIK_BIN:-chronik}" >/dev/null || usage_error "chronik not found: put it on PATH or set CHRONIK_BIN"

# The deadline for one step, in whole seconds, from chronik's own duration syntax (500ms, 30s, 1m30s).
seconds=$(node -e '
  const text = process.argv[1];
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) process.exit(1);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 };
  const total = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((sum, m) => sum + Number(m[1]) * unit[m[2]], 0);
  if (total <= 0) process.exit(1);
  console.log(Math.max(1, Math.ceil(total)));' "$timeout") ||
  usage_error "invalid --timeout \"$timeout\": use a number with a unit: 30s, 2m"

# status_json: the cluster's status document on stdout (healthy or not); fails when nothing answered.
status_json() {
  rc=0
  doc=$(chronik_cli status --json) || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    return 1
  fi
  printf '%s\n' "$doc"
}

# wait_healthy: until the cluster is healthy under --strict, within the step's timeout.
wait_healthy() {
  chronik_cli status --wait healthy --strict --timeout "$timeout" --json
}

# A wrong endpoint should not cost a whole --timeout of waiting.
status_json >/dev/null || fail "could not ask the cluster (see the error above); nothing restarted"
rc=0
before=$(wait_healthy) || rc=$?
case $rc in
  0) ;;
  2) exit 2 ;;
  *)
    if [ -n "$before" ] && [ "$(printf '%s' "$before" | js '"healthy" in d')" = true ]; then
      echo "rolling-restart.sh: the cluster is not healthy under --strict; nothing restarted:" >&2
      printf '%s' "$before" | js 'd.problems.map((p) => "  " + p.code + ": " + p.message)' >&2
      exit 3
    fi
    fail "could not ask the cluster (see the error above); nothing restarted"
    ;;
esac
voters_before=$(printf '%s' "$before" | js 'd.voters.join(",")')
all_members=$(printf '%s' "$before" | js 'd.voters.concat(d.learners).sort((a, b) => a - b).join(" ")')
if [ -z "$members" ]; then
  members=$all_members
else
  members=$(printf '%s' "$members" | tr ',' ' ')
  for id in $members; do
    case " $all_members " in
      *" $id "*) ;;
      *) usage_error "$id is not a member of the cluster (members: $all_members)" ;;
    esac
  done
fi
say "voters $voters_before; restarting $members with: $restart_cmd"

# A member is back when it answers, follows the leader at the leader's term, and its applied
# index reaches the leader's commit index as of the first time it answers again (a fixed goal:
# a steady write load cannot keep moving it).
# wait_back ID [DOC]: DOC, a status document just taken, serves as the first sample.
wait_back() {
  id=$1
  doc=${2:-}
  deadline=$(($(date +%s) + seconds))
  goal=
  while :; do
    if [ -n "$doc" ] || doc=$(status_json); then
      state=$(printf '%s' "$doc" | js '(() => {
        const me = d.nodes.find((n) => n.id === '"$id"');
        const leader = d.nodes.find((n) => n.id === d.leader);
        if (!me || !me.reachable || !leader) return "down";
        if (me.term !== leader.term || (me.id !== leader.id && me.leader !== leader.id)) return "down";
        return me.appliedIndex + " " + leader.commitIndex;
      })()')
      if [ "$state" != down ]; then
        [ -n "$goal" ] || goal=${state#* }
        [ "${state% *}" -ge "$goal" ] && return 0
      fi
    fi
    doc=
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    # Fractions are not POSIX, but GNU, busybox and BSD sleep take them.
    sleep 0.2 2>/dev/null || sleep 1
  done
}

restart() {
  id=$1
  cmd=$(printf '%s\n' "$restart_cmd" | sed "s/{id}/$id/g")
  say "restarting member $id: $cmd"
  sh -c "$cmd" || fail "the restart command for member $id failed (exit $?); stopped, the members after it were not restarted"
  # One chronik process polls until every voter answers again; then the member's own catch-up.
  if ! back=$(wait_healthy) || ! wait_back "$id" "$back"; then
    fail "member $id did not come back and catch up within $timeout; stopped, the members after it were not restarted"
  fi
  say "member $id is back and caught up"
}

remaining=$members
while [ -n "$remaining" ]; do
  doc=$(status_json) || fail "could not ask the cluster (see the error above); stopped before restarting $remaining"
  leader=$(printf '%s' "$doc" | js 'd.leader')
  next=
  for id in $remaining; do
    if [ "$id" != "$leader" ]; then
      next=$id
      break
    fi
  done
  if [ -z "$next" ]; then
    # Only the leader is left: move leadership to another voter first, so the cluster never waits
    # an election timeout for its leader to come back.
    target=$(printf '%s' "$doc" | js 'd.nodes.filter((n) => n.member === "voter" && n.reachable && n.id !== d.leader).map((n) => n.id)[0]')
    if [ -n "$target" ]; then
      say "member $leader leads: moving leadership to $target"
      chronik_cli transfer-leader "$target" --timeout "$timeout" >/dev/null || fail "could not move leadership away from member $leader; stopped before restarting it"
    else
      say "member $leader leads and no other voter can take over: the cluster has no leader while it restarts"
    fi
    next=$leader
  fi
  restart "$next"
  remaining=$(for id in $remaining; do [ "$id" = "$next" ] || printf '%s ' "$id"; done)
  remaining=${remaining% }
done

after=$(wait_healthy) || fail "the cluster is not healthy (--strict) at the end"
voters_after=$(printf '%s' "$after" | js 'd.voters.join(",")')
[ "$voters_after" = "$voters_before" ] || fail "the voters changed during the restart: $voters_before before, $voters_after now"
say "done: every member restarted; $(printf '%s' "$after" | js '"leader " + d.leader + " at term " + d.term + ", voters " + d.voters.join(",")')"
