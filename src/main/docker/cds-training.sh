#!/bin/sh
# AppCDS training in the image build: a throwaway PostgreSQL (the distribution's package, installed in
# the build's training stage only) on a free loopback port, TLS and password authentication as a real
# server has them, the schema of cds-training.sql, then the training command ("$@", a real confirmed
# purge recording the archive; it reaches the server through PGHOST/PGPORT/PGUSER/PGDATABASE) and the
# server is removed again. Works with plain `docker build` (a network of the build's own) and with
# hack/image.sh's host network (hence a port nobody answers on).
set -eu
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
port=45432
while pg_isready -q -h 127.0.0.1 -p "$port"; [ $? -ne 2 ]; do port=$((port + 1)); done
pg_createcluster -q -p "$port" "$version" cds -- --auth-host=scram-sha-256 --auth-local=peer >/dev/null
printf "listen_addresses = '127.0.0.1'\nssl = on\n" >>"/etc/postgresql/$version/cds/postgresql.conf"
pg_ctlcluster "$version" cds start
su postgres -c "psql -qX -p $port -c \"create role training login password 'training'\" -c 'create database training owner training'"
PGPASSWORD=training psql -qX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U training -d training -f /cds/cds-training.sql
status=0
PGHOST=127.0.0.1 PGPORT=$port PGUSER=training PGDATABASE=training PGSSLMODE=verify-ca PGPASSWORD=training "$@" || status=$?
pg_ctlcluster "$version" cds stop
pg_dropcluster "$version" cds
exit $status
