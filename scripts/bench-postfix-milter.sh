#!/usr/bin/env bash
# Postfix throughput with Mogura's milter against Postfix without it, on the same machine, interleaved pairs.
# smtp-source (from the postfix package) submits N messages over S sessions; Postfix discards them after the
# queue, so the figure is the SMTP acceptance path the milter sits on. Needs root (Postfix's master).
#
# Yardsticks in the same rounds, each a milter Postfix talks to exactly as to Mogura's:
#   floor      scripts/bench-support/floor-milter.c: one thread, epoll, every event Postfix lets a milter decline
#              declined — the cheapest milter there can be; what Postfix loses with it, it loses to any milter;
#   c-events   the same C milter asking for the events Mogura asks for, doing nothing with them;
#   nio-null   (UNIX socket only) a do-nothing milter on SwiftNIO asking for those events (mogura-bench
#              --null-milter, found next to MOGURA_BINARY);
#   libmilter  (with libmilter-dev) a do-nothing milter on sendmail's libmilter, taking every event, as milter
#              libraries ship one (scripts/bench-support/libmilter-baseline.c).
# The C yardsticks need cc.
#
# Usage: scripts/bench-postfix-milter.sh MOGURA_BINARY [ROUNDS] [MESSAGES] [SESSIONS] [inet|unix]
set -euo pipefail
mogura=$1
pairs=${2:-5}
messages=${3:-5000}
sessions=${4:-8}
transport=${5:-inet}
[ "$(id -u)" = 0 ] || { echo "needs root (Postfix's master runs as root)" >&2; exit 1; }
work=$(mktemp -d /tmp/mogura-bench-postfix.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
smtp_port=$(free_port)
milter_port=$(free_port)
chmod 755 "$work"
mkdir -p "$work/etc" "$work/queue" "$work/data"
chown postfix "$work/data"
cat > "$work/etc/master.cf" <<EOF
127.0.0.1:$smtp_port inet n - n - - smtpd
pickup unix n - n 1 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 1 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF
cat > "$work/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $work/queue
data_directory = $work/data
meta_directory = /etc/postfix
myhostname = bench.localdomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = bench.example
transport_maps = inline:{ bench.example=discard: }
default_transport = error:outside delivery is disabled
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
maillog_file = $work/maillog
maillog_file_prefixes = $work
smtputf8_enable = no
alias_maps =
alias_database =
local_recipient_maps =
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
milter_protocol = 6
milter_default_action = accept
EOF
pin_server=(); pin_client=()
if [ "${PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin_server=(taskset -c 0); pin_client=(taskset -c 1); fi
if [ "$transport" = unix ]; then listen="unix:$work/milter.sock"; endpoint="unix:$work/milter.sock"; else listen="127.0.0.1:$milter_port"; endpoint="inet:127.0.0.1:$milter_port"; fi
"${pin_server[@]}" "$mogura" milter --listen "$listen" --data-dir "$work/mogura" \
    --messages-per-hour 0 --messages-per-day 0 --recipients-per-hour 0 --recipients-per-day 0 > "$work/milter.log" 2>&1 &
milter_pid=$!
baselines=()
baseline_pids=()
start_baseline() {  # NAME INET-TEMPLATE COMMAND...: the socket (TEMPLATE with PORT filled in, or unix:) goes last
    local name=$1 template=$2 port where endpoint
    shift 2
    port=$(free_port)
    if [ "$transport" = unix ]; then
        where="unix:$work/$name.sock"; endpoint=$where
    else
        where=${template/PORT/$port}; endpoint="inet:127.0.0.1:$port"
    fi
    "${pin_server[@]}" "$@" "$where" >"$work/$name.log" 2>&1 &
    baseline_pids+=($!)
    baselines+=("$name=$endpoint")
}
if command -v cc >/dev/null && cc -O2 -o "$work/floor-milter" "$(dirname "$0")/bench-support/floor-milter.c" 2>"$work/cc.log"; then
    start_baseline floor "inet:PORT" "$work/floor-milter"
    start_baseline c-events "inet:PORT" "$work/floor-milter" mogura-events
else
    echo "(the floor yardstick skipped: needs cc)"
fi
bench_binary="$(dirname "$mogura")/mogura-bench"
if [ "$transport" = unix ] && [ -x "$bench_binary" ]; then
    start_baseline nio-null "" "$bench_binary" --null-milter
fi
if command -v cc >/dev/null && [ -f /usr/include/libmilter/mfapi.h ] \
    && cc -O2 -o "$work/libmilter-baseline" "$(dirname "$0")/bench-support/libmilter-baseline.c" -lmilter -pthread 2>>"$work/cc.log"; then
    start_baseline libmilter "inet:PORT@127.0.0.1" "$work/libmilter-baseline" default
else
    echo "(the libmilter yardstick skipped: needs cc and libmilter-dev)"
fi
cleanup() {
    postfix -c "$work/etc" stop >/dev/null 2>&1 || true
    for pid in "${baseline_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    kill -INT "$milter_pid" 2>/dev/null || true
    wait "$milter_pid" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q "listening" "$work/milter.log" && break; sleep 0.1; done
# Postfix's smtpd runs as postfix: let it reach the socket (in production, the socket's directory does this).
sleep 0.5
[ "$transport" = unix ] && chmod 666 "$work"/*.sock
"${pin_server[@]}" postfix -c "$work/etc" start >"$work/start.log" 2>&1 || { cat "$work/start.log" >&2; exit 1; }
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $smtp_port), 1)" 2>/dev/null && break; sleep 0.1; done

cpu_ticks() {  # user+system clock ticks of a process and its threads
    awk '{print $14 + $15}' "/proc/$1/stat"
}
core_ticks() {  # busy clock ticks of core 0, where Postfix and the milter run (everything but idle and iowait)
    awk '$1 == "cpu0" {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}
run() {  # prints messages/s for one smtp-source run
    local start end
    start=$(date +%s.%N)
    "${pin_client[@]}" smtp-source -s "$sessions" -m "$messages" -l 2048 -f sender@client.example -t rcpt@bench.example "127.0.0.1:$smtp_port"
    end=$(date +%s.%N)
    python3 -c "print(f'{$messages / ($end - $start):.0f}')"
}
set_milter() {
    postconf -c "$work/etc" -e "smtpd_milters = $1"
    postfix -c "$work/etc" reload >/dev/null 2>&1
    sleep 1
}
echo "Postfix $(postconf -d -h mail_version), $messages messages of 2 KiB over $sessions sessions per run, $pairs interleaved rounds, milters over $transport"
variants=("mogura=$endpoint" "${baselines[@]}")
declare -A results
run >/dev/null  # warm-up
for round in $(seq 1 "$pairs"); do
    set_milter ""
    results[without]+="$(run) "
    line="without $(echo "${results[without]}" | awk '{print $NF}')"
    for variant in "${variants[@]}"; do
        name=${variant%%=*}
        set_milter "${variant#*=}"
        results[$name]+="$(run) "
        line+=", $name $(echo "${results[$name]}" | awk '{print $NF}')"
    done
    echo "  round $round (msg/s): $line"
done
for variant in "${variants[@]}"; do
    name=${variant%%=*}
    python3 - "$name" "${results[without]}" "${results[$name]}" <<'PY'
import statistics, sys
name, without, with_ = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
ratios = [w / o for w, o in zip(with_, without)]
print(f"  {name:8} median {statistics.median(with_):5.0f} msg/s vs without {statistics.median(without):5.0f}: "
      f"ratio median {statistics.median(ratios):.2f} (range {min(ratios):.2f}–{max(ratios):.2f})")
PY
done
# Where the time goes: CPU per message of the milter process, and of the whole server core (Postfix, the milter
# and the kernel), with and without the milter.
per_message() { python3 -c "import os; print(f'{($2 - $1) * 1e6 / os.sysconf(\"SC_CLK_TCK\") / $messages:.0f}')"; }
for state in without with; do
    if [ "$state" = with ]; then set_milter "$endpoint"; else set_milter ""; fi  # with: Mogura's milter
    m0=$(cpu_ticks "$milter_pid"); p0=$(core_ticks)
    run >/dev/null
    m1=$(cpu_ticks "$milter_pid"); p1=$(core_ticks)
    echo "  CPU per message $state the milter: milter process $(per_message "$m0" "$m1") µs, server core in all $(per_message "$p0" "$p1") µs"
done
grep -c "milter" "$work/maillog" >/dev/null 2>&1 || true
# A milter Postfix cannot reach or understand is skipped (milter_default_action) and would flatter its figure.
echo "  milter warnings and errors in Postfix's log: $(grep -ic 'milter.*\(warning\|error\|timeout\|disconnect\)\|\(warning\|error\).*milter' "$work/maillog" || true)"
