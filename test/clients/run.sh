#!/usr/bin/env bash
# The real Mastodon clients against a Folkmoot instance (docs/mastodon.md, "Clients tried"):
# Debian's `toot` and Mastodon.py (python3-mastodon). Starts an instance on loopback
# (serve.ts), signs in with each by the authorization-code flow with the consent scripted
# (consent.ts), and runs what a member does. Every failed check prints one `FAIL` line;
# the script exits 1 if any failed. Needs `toot` and `/usr/bin/python3` with `mastodon`.
set -uo pipefail
cd "$(dirname "$0")/../.."

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok $*"; }

# The instance: one JSON line on stdout once it has its members, body and proposal.
# The project's Node (the `node` devDependency), run directly so that its pid is the server's.
./node_modules/.bin/node test/clients/serve.ts >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
setup=""
for _ in $(seq 1 180); do
  setup="$(head -n1 "$work/server.out")"
  [ -n "$setup" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$setup" ]; then
  echo "FAIL the test instance did not start; its log:" >&2
  tail -n 20 "$work/server.log" >&2
  exit 1
fi
json() { node -e 'const v = JSON.parse(process.argv[1]); console.log(process.argv[2].split(".").reduce((o, k) => o?.[k], v) ?? "")' "$1" "$2"; }
origin="$(json "$setup" origin)"
host="$(json "$setup" host)"
proposal="$(json "$setup" proposal)"
echo "instance $origin, proposal $proposal"
consent=(./node_modules/.bin/node test/clients/consent.ts)

# --- toot, as ada -----------------------------------------------------------------
export XDG_CONFIG_HOME="$work/toot-config"
mkdir -p "$XDG_CONFIG_HOME"
mkfifo "$work/toot.in"
timeout 60 toot login --disable-https --instance "$host" <"$work/toot.in" >"$work/toot-login.out" 2>&1 &
login_pid=$!
exec 7>"$work/toot.in"
echo n >&7 # "Open link in default browser?"
url=""
for _ in $(seq 1 60); do
  url="$(grep -o 'http[^ ]*/oauth/authorize[^ ]*' "$work/toot-login.out" | head -n1)"
  [ -n "$url" ] && break
  kill -0 "$login_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$url" ]; then
  fail "toot login: no authorize URL printed: $(tail -n 3 "$work/toot-login.out" | tr '\n' ' ')"
  exec 7>&-
else
  if code="$("${consent[@]}" ada "$url")"; then echo "$code" >&7; else fail "toot login: the scripted consent failed"; fi
  exec 7>&-
  if wait "$login_pid" && grep -q "Successfully logged in" "$work/toot-login.out"; then
    ok "toot login (authorization code, out of band)"
  else
    fail "toot login: $(tail -n 2 "$work/toot-login.out" | tr '\n' ' ')"
  fi
fi
toot_check() { # name, pattern the output must contain, command...
  local name="$1" pattern="$2" out
  shift 2
  if ! out="$(timeout 30 "$@" 2>&1)"; then
    fail "toot $name: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
  elif ! grep -q -- "$pattern" <<<"$out"; then
    fail "toot $name: the output lacks \"$pattern\": $(echo "$out" | head -n 5 | tr '\n' ' ')"
  else
    ok "toot $name"
  fi
}
toot_check whoami "@ada" toot whoami
toot_check follow "garden" toot follow garden
toot_check timeline "Plant beans" toot timeline --once
toot_check post "" toot post "Hello from toot @garden"

# --- Mastodon.py, as bo -----------------------------------------------------------
# It prints an `ok` line per step and one `FAIL` line for the step that failed.
if ! timeout 90 /usr/bin/python3 test/clients/mastodon_py.py "$origin" bo garden "$proposal" "${consent[@]}"; then
  failures=$((failures + 1))
fi

# The vote counted, as the API shows it to anyone.
voters="$(curl -fsS "$origin/api/v1/polls/$proposal" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).voters_count))')"
if [ "${voters:-0}" -ge 1 ] 2>/dev/null; then ok "the poll counts $voters voter(s)"; else fail "the poll's vote was not counted (voters_count: ${voters:-none})"; fi

if [ "$failures" -gt 0 ]; then
  echo "$failures client check(s) failed" >&2
  exit 1
fi
echo "all client checks passed"
