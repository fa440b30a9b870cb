#!/usr/bin/env bash
# Measures configuration as code at scale: a file of N monitors (HTTP, each
# with a header reference and tags), 20 webhook channels, 20 rules of N/20
# monitors each and a status page of 200 components, at N = 1,000 (the
# baseline) and N = 10,000. For each N, in a fresh database each round:
# `vigie apply` creating everything, a second `vigie apply` that changes
# nothing, `vigie apply --dry-run` of a file changing 1 % of the monitors,
# and `vigie export`. Three rounds; prints the median seconds (wall clock,
# the whole command) and the ratio of 10,000 to 1,000 (10 means it grows
# in step with the file).
#
# Uses DATABASE_URL's server when set (a scratch database is created and
# dropped there); otherwise a private PostgreSQL in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

source server/benches/scratch.sh

make_file() { # N CHANGED → the file on stdout
  python3 - "$1" "$2" <<'PY'
import sys
n, changed = int(sys.argv[1]), int(sys.argv[2])
out = ["version: 1", "monitors:"]
for i in range(n):
    interval = 120 if i < changed else 60
    out += [f"- key: web-{i}", f"  name: Web {i}", f"  url: https://web-{i}.example.test/health",
            f"  interval_seconds: {interval}", "  headers:", "    Authorization: ${BENCH_TOKEN}",
            f"  tags: [fleet, shard-{i % 50}]"]
out.append("channels:")
for c in range(20):
    out += [f"- key: hook-{c}", "  kind: webhook", f"  name: Hook {c}", f"  url: https://hooks.example.test/{c}",
            "  secret: ${BENCH_SECRET}"]
out.append("rules:")
per = max(1, n // 20)
for c in range(20):
    members = ", ".join(f"web-{i}" for i in range(c * per, min(n, (c + 1) * per)))
    out += [f"- key: rule-{c}", f"  name: Rule {c}", "  events: [incident_created, incident_resolved]",
            f"  channel: hook-{c}", f"  monitors: [{members}]"]
out += ["status_pages:", "- key: public", "  slug: fleet", "  title: Fleet", "  components:"]
for i in range(min(n, 200)):
    out += [f"  - monitor: web-{i}", f"    name: Service {i}", f"    group: Group {i % 10}"]
print("\n".join(out))
PY
}

export BENCH_TOKEN="Bearer bench-token-0123456789"
export BENCH_SECRET="bench-secret-0123456789abcdef"
export VIGIE_MIN_INTERVAL_SECONDS=30 RUST_LOG=warn

seconds() { # command... → wall seconds on stdout
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.3f}')"
}

median() { python3 -c 'import sys,statistics; print(f"{statistics.median(map(float, sys.argv[1:])):.3f}")' "$@"; }

declare -A result
for n in 1000 10000; do
  make_file "$n" 0 >"$work/file-$n.yaml"
  make_file "$n" $((n / 100)) >"$work/changed-$n.yaml"
  create=() again=() plan=() export=()
  for round in 1 2 3; do
    psql "$admin_url" -qAt -c "DROP DATABASE IF EXISTS ${scratch}_r" -c "CREATE DATABASE ${scratch}_r" >/dev/null
    round_url=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin_url" "${scratch}_r")
    DATABASE_URL=$round_url "$bin" migrate >/dev/null
    run=(env DATABASE_URL="$round_url" "$bin")
    create+=("$(seconds "${run[@]}" apply -f "$work/file-$n.yaml")")
    again+=("$(seconds "${run[@]}" apply -f "$work/file-$n.yaml")")
    plan+=("$(seconds "${run[@]}" apply --dry-run -f "$work/changed-$n.yaml")")
    export+=("$(seconds "${run[@]}" export -o "$work/export-$n.yaml")")
  done
  psql "$admin_url" -qAt -c "DROP DATABASE IF EXISTS ${scratch}_r" >/dev/null
  result[$n,create]=$(median "${create[@]}")
  result[$n,again]=$(median "${again[@]}")
  result[$n,plan]=$(median "${plan[@]}")
  result[$n,export]=$(median "${export[@]}")
  echo "N=$n: file $(wc -c <"$work/file-$n.yaml") bytes, export $(wc -c <"$work/export-$n.yaml") bytes" >&2
done

printf '%-34s %12s %12s %8s\n' "median of 3 rounds, seconds" "1,000" "10,000" "ratio"
for step in create again plan export; do
  case $step in
    create) label="apply, creating everything" ;;
    again) label="apply again, no change" ;;
    plan) label="apply --dry-run, 1 % changed" ;;
    export) label="export" ;;
  esac
  small=${result[1000,$step]} large=${result[10000,$step]}
  printf '%-34s %12s %12s %8s\n' "$label" "$small" "$large" "$(python3 -c "print(f'{$large / $small:.1f}')")"
done
