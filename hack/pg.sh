#!/usr/bin/env bash
# Private PostgreSQL 15 cluster for the tests and benchmarks: target/pg, 127.0.0.1:$PGPORT (default:
# a port in 55432-55831 derived from this checkout's path, so several checkouts never share a server),
# superuser postgres/postgres over TCP with scram-sha-256, TLS from a self-signed CA (target/pg/tls/ca.crt).
# When the local cluster's pod network is up (hack/cluster.sh up), the server also listens on its
# host address, where pods reach it, and PGHOST names that address.
#   hack/pg.sh up     start it (creating it the first time); idempotent; prints export lines last
#   hack/pg.sh down   stop it
#   hack/pg.sh env    print the export lines
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=$ROOT/target/pg
DATA=$BASE/data
TLS=$BASE/tls
SOCK=$BASE/sock
LOG=$BASE/server.log
PORT=${PGPORT:-$((55432 + $(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 400))}
BIN=/usr/lib/postgresql/15/bin
PASSWORD=postgres
# Where the local cluster's pods reach this machine (a bridge address; see hack/cluster.sh).
POD_HOST=$("$ROOT/hack/cluster.sh" host-address)
if ip -4 addr show 2>/dev/null | grep -qF "inet $POD_HOST/"; then LISTEN="127.0.0.1,$POD_HOST"; else LISTEN=127.0.0.1; fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
  [ -x "$BIN/postgres" ] && return
  echo "installing postgresql-15 (missing $BIN)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null
}

make_tls() {
  [ -f "$TLS/server.crt" ] && grep -qF "IP:$POD_HOST" "$TLS/san.ext" 2>/dev/null && return
  rm -rf "$TLS"
  mkdir -p "$TLS"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=user-data-purge test CA" \
    -keyout "$TLS/ca.key" -out "$TLS/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:%s,DNS:localhost\n' "$POD_HOST" >"$TLS/san.ext"
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
    -days 3650 -extfile "$TLS/san.ext" -out "$TLS/server.crt" 2>/dev/null
  chmod 600 "$TLS/server.key" "$TLS/ca.key"
  [ "$(id -u)" = 0 ] && [ -d "$DATA" ] && chown -R postgres: "$TLS"
  return 0
}

init_cluster() {
  if [ -f "$DATA/PG_VERSION" ]; then make_tls; hba; return; fi
  mkdir -p "$BASE" "$SOCK"
  make_tls
  # The server runs as postgres: it must reach target/pg through every parent directory.
  local d=$BASE
  while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
  [ "$(id -u)" = 0 ] && chown -R postgres: "$BASE"
  local pwfile=$BASE/pwfile
  (umask 077; echo "$PASSWORD" >"$pwfile")
  [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >>"$DATA/postgresql.conf" <<CONF
unix_socket_directories = '$SOCK'
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '$TLS/server.crt'
ssl_key_file = '$TLS/server.key'
ssl_ca_file = '$TLS/ca.crt'
max_connections = 100
CONF
  hba
}

# Clients: this machine, and the local cluster's pods (their subnet on the bridge).
hba() {
  cat >"$DATA/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 scram-sha-256
host  all all ::1/128      scram-sha-256
host  all all ${POD_HOST%.*}.0/24 scram-sha-256
HBA
  [ "$(id -u)" = 0 ] && chown postgres: "$DATA/pg_hba.conf"
  return 0
}

listening_on() { # the running server's listen_addresses
  as_postgres "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -Atc 'show listen_addresses' 2>/dev/null
}

print_env() {
  echo "export PGHOST=${LISTEN##*,} PGPORT=$PORT PGUSER=postgres PGPASSWORD=$PASSWORD"
}

case "${1:-}" in
  up)
    install_server
    init_cluster
    if as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [ "$(listening_on)" != "$LISTEN" ]; then
      as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null # restarted to listen on $LISTEN
    fi
    if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      if ! as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -o "-p $PORT -c listen_addresses=$LISTEN" -w -t 60 start >/dev/null; then
        echo "PostgreSQL did not start (port $PORT taken? try PGPORT=55433 $0 up); last lines of $LOG:" >&2
        tail -5 "$LOG" >&2
        exit 1
      fi
    fi
    echo "PostgreSQL 15 at $LISTEN port $PORT (data $DATA, CA $TLS/ca.crt)"
    print_env
    ;;
  down)
    if [ -f "$DATA/PG_VERSION" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
    echo "stopped"
    ;;
  env)
    print_env
    ;;
  *)
    echo "usage: $0 up|down|env" >&2
    exit 2
    ;;
esac
