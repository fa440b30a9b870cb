# Sourced by the benchmarks: a scratch database, dropped on exit, on
# DATABASE_URL's server when set, otherwise on a private PostgreSQL in a
# temporary folder. Sets `bin`, `work` (a temporary folder), `url` (the
# scratch database) and `pids` (processes the script starts, stopped on exit).
bin=target/release/vigie
work=$(mktemp -d "${TMPDIR:-/tmp}/vigie-bench.XXXXXX")
chmod 755 "$work"
pids=()
scratch="vigie_bench_$$"
admin_url=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$admin_url" ]; then psql "$admin_url" -qAt -c "DROP DATABASE IF EXISTS $scratch" >/dev/null 2>&1 || true; fi
  if [ -z "${DATABASE_URL:-}" ]; then "$bin" --data-dir "$work" postgres stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  admin_url=$("$bin" --data-dir "$work" postgres start 2>/dev/null | tail -1)
else
  admin_url=$DATABASE_URL
fi
psql "$admin_url" -qAt -c "CREATE DATABASE $scratch" >/dev/null
url=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin_url" "$scratch")
