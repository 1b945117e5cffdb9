#!/usr/bin/env bash
# make bench: salvo's engine side by side with a bare Beast loop, libcurl multi and wrk, against
# nginx on loopback, each side pinned to its own core; then TLS handshakes, idle connections and
# the mock against nginx, and provisioning against the mock. Writes the tables into BENCHMARKS.md
# and charts into docs/bench/.
#
# Environment: BUILD_DIR (default build; `make bench` builds it), ROUNDS (3), DURATION (seconds a
# run, 2), CONNECTIONS ("1 16 64 256"), IDLE_CONNECTIONS (10000), PROVISION_SMALL (10000),
# PROVISION_LARGE (100000), SKIP_BUILD=1, SKIP_DEPS=1.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
BUILD_DIR=${BUILD_DIR:-build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-2}
CONNECTIONS=${CONNECTIONS:-"1 16 64 256"}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
HANDSHAKE_CONNECTIONS=${HANDSHAKE_CONNECTIONS:-16}
PROVISION_SMALL=${PROVISION_SMALL:-10000}
PROVISION_LARGE=${PROVISION_LARGE:-100000}

log() { printf 'bench: %s\n' "$*" >&2; }

[ "${SKIP_DEPS:-0}" = 1 ] || scripts/install-deps.sh nginx-light wrk libcurl4-openssl-dev
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cmake --build "$BUILD_DIR" --target salvo-bench salvo-bench-beast salvo-bench-curl salvo-mock
fi
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$root/$BUILD_DIR ;; esac
bin=$BUILD_DIR/bench
mock_bin=$BUILD_DIR/apps/salvo-mock
for b in "$bin/salvo-bench" "$bin/salvo-bench-beast" "$mock_bin"; do
    [ -x "$b" ] || { log "missing $b (build first)"; exit 1; }
done
have_curl=0
[ -x "$bin/salvo-bench-curl" ] && have_curl=1
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# Two cores: the server on the first, the client on the second. One core: share it.
cores=$(nproc)
if [ "$cores" -ge 2 ]; then server_cpu=0; client_cpu=1; else server_cpu=0; client_cpu=0; fi
server_pin=(taskset -c "$server_cpu")
client_pin=(taskset -c "$client_cpu")

# 10,000 idle connections need as many descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
max_fd=$(ulimit -n)
if [ "$max_fd" -lt $((IDLE_CONNECTIONS + 200)) ]; then
    IDLE_CONNECTIONS=$((max_fd - 200))
    log "ulimit -n is $max_fd: idle test limited to $IDLE_CONNECTIONS connections"
fi

work=$(mktemp -d /tmp/salvo-bench.XXXXXX)
nginx_pid=""
mock_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(free_port)
tls_port=$(free_port)
while [ "$tls_port" = "$http_port" ]; do tls_port=$(free_port); done

# The server: nginx answering every request with a small instance JSON, plaintext and TLS.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
instance=$(tr -d '\n' <bench/data/instance.json)
mkdir -p "$work/tmp"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 65536;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 20000; multi_accept on; }
http {
    access_log off;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    tcp_nodelay on;
    ssl_session_cache shared:SSL:20m;
    ssl_session_tickets on;
    ssl_protocols TLSv1.2 TLSv1.3;
    server {
        listen 127.0.0.1:$http_port backlog=16384;
        listen 127.0.0.1:$tls_port ssl backlog=16384;
        ssl_certificate $work/cert.pem;
        ssl_certificate_key $work/key.pem;
        location / {
            default_type application/json;
            return 200 '$instance';
        }
    }
}
CONF
"${server_pin[@]}" "$NGINX" -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$http_port/" && break
    sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$http_port/" || { log "nginx did not start"; cat "$work/nginx-error.log" >&2; exit 1; }

results=$work/results.jsonl
: >"$results"
body=$root/bench/data/create_instance.json
auth='Authorization: User bench-user-secret, Organization bench-org-secret'
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
local f = io.open("$body", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "User bench-user-secret, Organization bench-org-secret"
LUA
cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
    local e = summary.errors
    local s = summary.duration / 1e6
    io.write(string.format(
        '{"requests":%d,"seconds":%.4f,"rps":%.1f,"failures":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
        summary.requests, s, summary.requests / s,
        e.connect + e.read + e.write + e.status + e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
LUA
cat "$work/post.lua" "$work/report.lua" >"$work/wrk-post.lua"

# record KIND TAGS(JSON fields) -- COMMAND...: runs the command pinned to the client core and
# stores its last stdout line (a JSON object) with the tags.
record() {
    local kind=$1 tags=$2
    shift 3
    local out
    # A run with failed requests exits 1 but still prints its line: keep it, the table shows them.
    out=$("${client_pin[@]}" "$@" 2>"$work/last.err" | tail -n 1) || true
    if [[ "$out" != "{"* ]]; then
        log "failed: $* ($(tail -n 3 "$work/last.err" | tr '\n' ' '))"
        out='{"error":true}'
    fi
    printf '{"kind":"%s",%s,"result":%s}\n' "$kind" "$tags" "$out" >>"$results"
}

load_flags=(--requests 1000000000 --duration "$DURATION" --method POST --body-file "$body"
            --header 'Content-Type: application/json' --header "$auth")
clients=(salvo beast)
[ "$have_curl" = 1 ] && clients+=(curl)
clients+=(wrk)

started=$(date +%s)
log "throughput: rounds=$ROUNDS duration=${DURATION}s connections=[$CONNECTIONS] clients=[${clients[*]}]"
for round in $(seq "$ROUNDS"); do
    for scheme in http https; do
        if [ "$scheme" = http ]; then url="http://127.0.0.1:$http_port/elements/api-v2/instances"
        else url="https://127.0.0.1:$tls_port/elements/api-v2/instances"; fi
        for c in $CONNECTIONS; do
            # A different client order each round, so no client always runs first or last.
            order=("${clients[@]}")
            shift_by=$(( (round - 1) % ${#order[@]} ))
            order=("${order[@]:shift_by}" "${order[@]:0:shift_by}")
            for client in "${order[@]}"; do
                tags=$(printf '"client":"%s","scheme":"%s","connections":%d,"round":%d' "$client" "$scheme" "$c" "$round")
                case $client in
                    salvo) record http "$tags" -- "$bin/salvo-bench" http --url "$url" --connections "$c" --insecure "${load_flags[@]}" ;;
                    beast) record http "$tags" -- "$bin/salvo-bench-beast" --url "$url" --connections "$c" --insecure "${load_flags[@]}" ;;
                    curl) record http "$tags" -- "$bin/salvo-bench-curl" --url "$url" --connections "$c" --insecure "${load_flags[@]}" ;;
                    wrk) record http "$tags" -- wrk -t1 -c "$c" -d "${DURATION}s" -s "$work/wrk-post.lua" "$url" ;;
                esac
            done
        done
    done
    log "round $round done ($(( $(date +%s) - started ))s)"
done

log "TLS handshakes: $HANDSHAKE_CONNECTIONS connections, with and without resumption"
tls_url="https://127.0.0.1:$tls_port/elements/api-v2/instances"
for round in $(seq "$ROUNDS"); do
    record handshake "\"resume\":true,\"round\":$round" -- "$bin/salvo-bench" handshake --url "$tls_url" \
        --connections "$HANDSHAKE_CONNECTIONS" --insecure --duration "$DURATION" --requests 1000000000
    record handshake "\"resume\":false,\"round\":$round" -- "$bin/salvo-bench" handshake --url "$tls_url" \
        --connections "$HANDSHAKE_CONNECTIONS" --insecure --duration "$DURATION" --requests 1000000000 --no-resume
done

log "idle: $IDLE_CONNECTIONS keep-alive connections"
record idle "\"connections_requested\":$IDLE_CONNECTIONS" -- "$bin/salvo-bench" idle \
    --url "http://127.0.0.1:$http_port/elements/api-v2/instances" --connections "$IDLE_CONNECTIONS"

# The mock against nginx under wrk, both on the server core with one thread, GET an instance.
log "mock vs nginx under wrk"
"${server_pin[@]}" "$mock_bin" --listen 127.0.0.1:0 --threads 1 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 50); do grep -q listening "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
mock_base=$(sed -n 's/^listening on //p' "$work/mock.out" | head -n 1)
mock_auth='Authorization: User salvo-demo-user-secret, Organization salvo-demo-org-secret'
mock_id=$(curl -sf -X POST "$mock_base/instances" -H "$mock_auth" -H 'Content-Type: application/json' \
    --data-binary "@$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cat >"$work/wrk-get-mock.lua" <<LUA
wrk.headers["Authorization"] = "User salvo-demo-user-secret, Organization salvo-demo-org-secret"
LUA
cat "$work/report.lua" >>"$work/wrk-get-mock.lua"
for round in $(seq "$ROUNDS"); do
    record server '"server":"nginx","round":'"$round" -- wrk -t1 -c 64 -d "${DURATION}s" \
        -s "$work/wrk-get-mock.lua" "http://127.0.0.1:$http_port/elements/api-v2/instances/$mock_id"
    record server '"server":"mock","round":'"$round" -- wrk -t1 -c 64 -d "${DURATION}s" \
        -s "$work/wrk-get-mock.lua" "$mock_base/instances/$mock_id"
done

# Provisioning end to end against the same mock: the engine's raw create rate, then the runner.
log "provisioning: $PROVISION_SMALL entries x $ROUNDS, $PROVISION_LARGE entries once"
for round in $(seq "$ROUNDS"); do
    record provision "\"round\":$round" -- "$bin/salvo-bench" provision --base-url "$mock_base" \
        --instances "$PROVISION_SMALL" --concurrency 64
done
record provision '"round":1' -- "$bin/salvo-bench" provision --base-url "$mock_base" \
    --instances "$PROVISION_LARGE" --concurrency 64

log "writing BENCHMARKS.md and docs/bench/*.svg ($(( $(date +%s) - started ))s of measurements)"
mkdir -p "$root/docs/bench"
cp "$results" "$root/docs/bench/results.jsonl"
machine=$work/machine.txt
{
    echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
    echo "cores=$cores"
    echo "memory=$(free -m | awk '/^Mem:/ {print $2}') MiB"
    echo "kernel=$(uname -r)"
    echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "compiler=$(c++ --version | head -n 1)"
    echo "nginx=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
    echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{print $2}')"
    echo "curl=$(curl-config --version 2>/dev/null || echo n/a)"
    echo "openssl=$(openssl version)"
    echo "boost=$(dpkg-query -W -f='${Version}' libboost1.81-dev 2>/dev/null || echo n/a)"
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "pinning=server on CPU $server_cpu, client on CPU $client_cpu"
    echo "rounds=$ROUNDS"
    echo "duration=$DURATION"
    echo "connections=$CONNECTIONS"
    echo "idle_connections=$IDLE_CONNECTIONS"
    echo "handshake_connections=$HANDSHAKE_CONNECTIONS"
} >"$machine"
python3 bench/report.py --results "$results" --machine "$machine" \
    --markdown "$root/BENCHMARKS.md" --charts "$root/docs/bench"
log "done in $(( $(date +%s) - started ))s"
