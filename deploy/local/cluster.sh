#!/bin/sh
# `make cluster` / `make cluster-stop`: the cluster's real topology on this machine, for trying
# and testing it: N server processes and one document worker behind Debian's nginx (the site in
# deploy/nginx/examhall.conf, with a self-signed certificate), on PostgreSQL and Redis.
# Everything it makes lives in instance/cluster/; every process is started and stopped by pid.
#
#   deploy/local/cluster.sh start [N]   (default 3)   https://127.0.0.1:8443/
#   deploy/local/cluster.sh restart PORT      one server process, as in a rolling restart
#   deploy/local/cluster.sh stop
#
# CLUSTER_DATABASE_URL (postgresql+psycopg://127.0.0.1:5432/examhall_cluster, created when
# missing), CLUSTER_REDIS_URL (redis://127.0.0.1:6379), CLUSTER_FIRST_PORT (5101),
# CLUSTER_HTTPS_PORT (8443), CLUSTER_HTTP_PORT (8080) and CLUSTER_DIR (instance/cluster) override
# the defaults.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DIR=${CLUSTER_DIR:-"$ROOT/instance/cluster"}
PIDS="$DIR/pids"
LOGS="$DIR/logs"
PY="$ROOT/.venv/bin/python"
DATABASE=${CLUSTER_DATABASE_URL:-postgresql+psycopg://127.0.0.1:5432/examhall_cluster}
REDIS=${CLUSTER_REDIS_URL:-redis://127.0.0.1:6379}
FIRST_PORT=${CLUSTER_FIRST_PORT:-5101}
HTTPS_PORT=${CLUSTER_HTTPS_PORT:-8443}
HTTP_PORT=${CLUSTER_HTTP_PORT:-8080}

stop_pid() {  # stop_pid NAME: TERM the process in pids/NAME.pid, KILL it after 20 s
    file="$PIDS/$1.pid"
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        n=0
        while kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "stopped $1 (pid $pid)"
    fi
    rm -f "$file"
}

stop() {
    [ -d "$PIDS" ] || { echo "no cluster is running"; return 0; }
    stop_pid nginx
    for file in "$PIDS"/*.pid; do
        [ -e "$file" ] || continue
        stop_pid "$(basename "$file" .pid)"
    done
}

wait_healthy() {  # wait_healthy URL NAME: until /healthz answers (60 s)
    n=0
    until curl -skf "$1/healthz" > /dev/null 2>&1; do
        n=$((n + 1))
        if [ $n -ge 600 ]; then echo "$2 did not answer $1/healthz within 60 s; see $LOGS" >&2; exit 1; fi
        sleep 0.1
    done
}

settings() {  # the settings of deploy/examhall.env, for this machine
    export SECRET_KEY="$(cat "$DIR/secret_key")" DATABASE_URL="$DATABASE" EXAMHALL_INSTANCE_PATH="$DIR" \
        SOCKETIO_MESSAGE_QUEUE="$REDIS/5" RATELIMIT_STORAGE_URI="$REDIS/6" \
        EXAMHALL_BASE_URL="https://127.0.0.1:$HTTPS_PORT" EXAMHALL_PROXIES=1 SESSION_COOKIE_SECURE=true \
        EXAMHALL_HOST=127.0.0.1 DOCUMENTS_START_WORKER=false
    FLASK="$ROOT/.venv/bin/flask --app wsgi"
}

start_server() {  # start_server PORT: one server process, its pid in pids/server-PORT.pid
    EXAMHALL_PORT=$1 nohup "$PY" wsgi.py >> "$LOGS/server-$1.log" 2>&1 &
    echo $! > "$PIDS/server-$1.pid"
}

restart() {  # restart PORT: stop one server process (TERM, as systemctl restart does) and start it again
    [ -f "$PIDS/nginx.pid" ] || { echo "no cluster is running" >&2; exit 1; }
    settings
    stop_pid "server-$1"
    start_server "$1"
    wait_healthy "http://127.0.0.1:$1" "server $1"
    echo "restarted server $1 (pid $(cat "$PIDS/server-$1.pid"))"
}

start() {
    count=${1:-3}
    if [ -d "$PIDS" ] && [ -n "$(ls "$PIDS" 2>/dev/null)" ]; then
        echo "a cluster is running already (instance/cluster/pids): make cluster-stop first" >&2; exit 1
    fi
    if ! command -v nginx > /dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
        echo "installing Debian's nginx"
        apt-get install -y -q nginx-light > /dev/null || {
            echo "nginx is missing and could not be installed: apt-get install nginx-light (as root)" >&2; exit 1; }
    fi
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    mkdir -p "$PIDS" "$LOGS" "$DIR/tls" "$DIR/nginx/temp"
    chmod 0700 "$DIR"

    # The database (created when missing) and Redis must answer before anything starts.
    "$PY" - "$DATABASE" <<'EOF'
import sys
import sqlalchemy as sa
url = sa.make_url(sys.argv[1])
admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    if not conn.scalar(sa.text("select 1 from pg_database where datname = :n"), {"n": url.database}):
        conn.execute(sa.text(f'create database "{url.database}"'))
        print(f"created database {url.database}")
EOF
    "$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()" "$REDIS/0"

    [ -f "$DIR/secret_key" ] || (umask 077; "$PY" -c "import secrets; print(secrets.token_hex(32))" > "$DIR/secret_key")
    [ -f "$DIR/tls/privkey.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=127.0.0.1 \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$DIR/tls/privkey.pem" -out "$DIR/tls/fullchain.pem" 2> /dev/null

    settings
    $FLASK db upgrade > "$LOGS/upgrade.log" 2>&1
    $FLASK demo seed > "$LOGS/seed.log" 2>&1
    $FLASK documents authority > /dev/null  # once, before several processes could race to make it

    servers=""
    i=0
    while [ $i -lt "$count" ]; do
        port=$((FIRST_PORT + i))
        start_server "$port"
        servers="$servers    server 127.0.0.1:$port max_fails=0;\n"
        i=$((i + 1))
    done
    nohup $FLASK documents worker > "$LOGS/documents-worker.log" 2>&1 &
    echo $! > "$PIDS/documents-worker.pid"

    # The operator's site, with this machine's ports, servers and certificate.
    awk -v servers="$servers" '
        /server 127\.0\.0\.1:[0-9]+ max_fails=0;/ { if (!done) { printf "%s", servers; done = 1 } next }
        /listen \[::\]/ { next }
        { print }' deploy/nginx/examhall.conf \
    | sed -e "s#/etc/ssl/examhall#$DIR/tls#" -e "s/listen 80;/listen $HTTP_PORT;/" \
          -e "s/listen 443 ssl http2;/listen $HTTPS_PORT ssl http2;/" -e "s/server_name exam.example.cn;/server_name 127.0.0.1 localhost;/" \
          -e "s#https://\$host\$request_uri#https://\$host:$HTTPS_PORT\$request_uri#" > "$DIR/nginx/site.conf"
    user=""
    # As root, nginx's workers would become nobody, who may not enter the 0700 instance folder
    # holding their temporary files: on this trial machine they stay root.
    if [ "$(id -u)" = 0 ]; then user="user root root;"; fi
    cat > "$DIR/nginx/nginx.conf" <<EOF
$user
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $LOGS/nginx-error.log;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    # Which server answered each request: where a browser's examhall_node cookie sends it.
    log_format upstream '\$remote_addr [\$time_local] "\$request" \$status upstream=\$upstream_addr '
                        'node=\$examhall_node';
    access_log $LOGS/nginx-access.log upstream;
    client_body_temp_path $DIR/nginx/temp/body;
    proxy_temp_path $DIR/nginx/temp/proxy;
    fastcgi_temp_path $DIR/nginx/temp/fastcgi;
    uwsgi_temp_path $DIR/nginx/temp/uwsgi;
    scgi_temp_path $DIR/nginx/temp/scgi;
    include $DIR/nginx/site.conf;
}
EOF
    "$NGINX" -t -q -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx"
    "$NGINX" -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx"
    n=0
    until [ -s "$DIR/nginx/nginx.pid" ] || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
    cp "$DIR/nginx/nginx.pid" "$PIDS/nginx.pid"

    i=0
    while [ $i -lt "$count" ]; do
        wait_healthy "http://127.0.0.1:$((FIRST_PORT + i))" "server $((FIRST_PORT + i))"
        i=$((i + 1))
    done
    wait_healthy "https://127.0.0.1:$HTTPS_PORT" nginx
    echo "Examhall cluster: $count servers ($FIRST_PORT...), a document worker, nginx on https://127.0.0.1:$HTTPS_PORT/"
    echo "(self-signed certificate; PostgreSQL $DATABASE, Redis $REDIS; logs in instance/cluster/logs)"
}

case "${1:-}" in
    start) start "${2:-3}" ;;
    restart) restart "${2:?which server port}" ;;
    stop) stop ;;
    *) echo "usage: $0 start [N] | restart PORT | stop" >&2; exit 2 ;;
esac
