#!/usr/bin/env bash
# scripts/services.sh — make sure the local services campusbiz needs for
# development and tests are installed, running and answering:
#
#   * PostgreSQL on 127.0.0.1:5432, reachable as postgres@127.0.0.1 without a
#     password (the default DATABASE_URL / TEST_DATABASE_URL),
#   * Redis on 127.0.0.1:6379 (the default REDIS_URL / TEST_REDIS_URL),
#   * poppler-utils (pdftotext, pdftoppm) and fonts-droid-fallback, used by the
#     certificate PDF and its tests,
#   * with --browser also Chromium, for the browser tests.
#
# Idempotent and quiet when everything is already in place; it only prints when
# it installs or starts something, or when something fails. Works from any
# directory. Intended for Debian/Ubuntu development and CI machines: it uses
# apt-get to install what is missing (via sudo when not run as root).
#
# Usage: scripts/services.sh [--browser]
set -euo pipefail

readonly PG_HOST=127.0.0.1
readonly PG_PORT=5432
readonly REDIS_HOST=127.0.0.1
readonly REDIS_PORT=6379
readonly WAIT_SECONDS=30

prog=$(basename "$0")

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

usage() {
	cat <<USAGE
Usage: $prog [--browser]

Ensures PostgreSQL (${PG_HOST}:${PG_PORT}) and Redis (${REDIS_HOST}:${REDIS_PORT})
are installed, running and answering, and that poppler-utils is installed.

  --browser   also install Chromium (needed by the browser tests)
  -h, --help  show this help
USAGE
}

# Privileged commands run directly as root, through sudo otherwise.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if have sudo; then
		SUDO=(sudo)
	fi
fi

as_root() {
	if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
		die "need root to run '$*' (not root and sudo is not installed)"
	fi
	"${SUDO[@]}" "$@"
}

# The PostgreSQL server binaries live outside PATH on Debian.
export PATH="$PATH:/usr/sbin:/sbin"

apt_updated=0

# apt_install PKG... installs Debian packages noninteractively. apt's output
# goes to a temporary log that is shown only when the installation fails.
apt_install() {
	have apt-get || die "cannot install $* automatically: apt-get not found; please install it by hand"
	local aptlog
	aptlog=$(mktemp "${TMPDIR:-/tmp}/services-apt.XXXXXX")
	log "installing $* (apt-get)..."
	if [ "$apt_updated" -eq 0 ]; then
		if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$aptlog" 2>&1; then
			cat "$aptlog" >&2
			rm -f "$aptlog"
			die "apt-get update failed"
		fi
		apt_updated=1
	fi
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$aptlog" 2>&1; then
		cat "$aptlog" >&2
		rm -f "$aptlog"
		die "apt-get install $* failed"
	fi
	rm -f "$aptlog"
}

# wait_for NAME CMD... retries CMD for up to WAIT_SECONDS seconds.
wait_for() {
	local name=$1
	shift
	local deadline=$((SECONDS + WAIT_SECONDS))
	until "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			die "$name did not come up within ${WAIT_SECONDS}s"
		fi
		sleep 0.5
	done
}

# ---------------------------------------------------------------- PostgreSQL

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2; }

# configure_pg_trust VERSION CLUSTER puts trust rules for local socket and
# loopback connections at the top of the cluster's pg_hba.conf (the first
# matching rule wins), so postgres@127.0.0.1 works without a password.
#
# DEVELOPMENT AND TEST MACHINES ONLY: trust auth lets every local user connect
# as any database role without a password. It is applied only when this
# script itself installed PostgreSQL, never to an existing installation.
configure_pg_trust() {
	local version=$1 cluster=$2
	local hba="/etc/postgresql/$version/$cluster/pg_hba.conf"
	[ -f "$hba" ] || die "cannot find $hba to configure trust authentication"
	if grep -q 'campusbiz services.sh: trust' "$hba"; then
		return 0
	fi
	log "configuring trust authentication for local connections in $hba (dev/test only)"
	local tmp
	tmp=$(mktemp)
	{
		echo '# campusbiz services.sh: trust local and loopback connections.'
		echo '# DEVELOPMENT/TEST ONLY: anyone on this machine can connect as any role.'
		echo 'local   all   all                 trust'
		echo 'host    all   all   127.0.0.1/32  trust'
		echo 'host    all   all   ::1/128       trust'
		echo
		as_root cat "$hba"
	} >"$tmp"
	as_root cp "$tmp" "$hba"
	rm -f "$tmp"
	as_root chown postgres:postgres "$hba" 2>/dev/null || true
	as_root chmod 640 "$hba"
}

# pick_cluster prints "VERSION CLUSTER STATUS" for the cluster to use: the one
# on PG_PORT if there is one, else the first (newest version first).
pick_cluster() {
	local lines
	lines=$(pg_lsclusters -h 2>/dev/null | sort -k1,1nr || true)
	[ -n "$lines" ] || return 0
	local on_port
	on_port=$(awk -v port="$PG_PORT" '$3 == port { print $1, $2, $4; exit }' <<<"$lines")
	if [ -n "$on_port" ]; then
		echo "$on_port"
	else
		awk 'NR == 1 { print $1, $2, $4 }' <<<"$lines"
	fi
}

ensure_postgres() {
	local installed=0
	if ! have pg_ctlcluster || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
		apt_install postgresql
		installed=1
	fi
	if ! have pg_isready; then
		apt_install postgresql-client
	fi

	local version cluster status
	read -r version cluster status < <(pick_cluster) || true
	if [ -z "${version:-}" ]; then
		# Packages installed but no cluster (e.g. it was dropped): create one
		# for the newest installed server version.
		version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -n | tail -n 1)
		[ -n "$version" ] || die "PostgreSQL is installed but no server version was found under /usr/lib/postgresql"
		log "creating PostgreSQL $version cluster 'main' on port $PG_PORT"
		as_root pg_createcluster --port "$PG_PORT" "$version" main >/dev/null
		cluster=main
		status=down
		installed=1
	fi

	if [ "$installed" -eq 1 ]; then
		configure_pg_trust "$version" "$cluster"
		if [[ $status == online* ]]; then
			as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" reload >/dev/null
		fi
	fi

	if ! pg_ready; then
		if [[ $status != online* ]]; then
			log "starting PostgreSQL $version/$cluster"
			as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start ||
				die "could not start PostgreSQL $version/$cluster (see /var/log/postgresql/postgresql-$version-$cluster.log)"
		fi
		wait_for "PostgreSQL on $PG_HOST:$PG_PORT (pg_isready)" pg_ready
	fi

	# Only a hint: CI or developers may point TEST_DATABASE_URL at a server
	# that needs a password instead.
	if have psql && ! PGCONNECT_TIMEOUT=5 psql -X -q -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
		log "warning: PostgreSQL answers, but 'postgres@$PG_HOST:$PG_PORT' cannot log in without a password;"
		log "warning: configure trust auth in pg_hba.conf or set DATABASE_URL / TEST_DATABASE_URL with credentials"
	fi
}

# --------------------------------------------------------------------- Redis

redis_ready() {
	local reply
	reply=$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) || return 1
	[ "$reply" = PONG ]
}

ensure_redis() {
	if ! have redis-server; then
		apt_install redis-server
	fi
	if ! have redis-cli; then
		apt_install redis-tools
	fi
	if ! redis_ready; then
		log "starting Redis on $REDIS_HOST:$REDIS_PORT (no persistence)"
		# Run from / so that redis-server never writes files into the caller's
		# directory (persistence is off anyway).
		(cd / && redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
			--save "" --appendonly no >/dev/null) ||
			die "could not start redis-server"
		wait_for "Redis on $REDIS_HOST:$REDIS_PORT (redis-cli ping)" redis_ready
	fi
}

# --------------------------------------------------------------------- tools

ensure_test_tools() {
	if ! have pdftotext || ! have pdftoppm; then
		apt_install poppler-utils
	fi
	# The certificate PDF draws Chinese names with this font (a single .ttf,
	# which is what the PDF library can embed).
	if [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]; then
		apt_install fonts-droid-fallback
	fi
	# promtool checks and unit-tests the alert rules (deploy/prometheus).
	if ! have promtool; then
		apt_install prometheus
	fi
	# docker-compose validates docker-compose.yml and its sentinel profile
	# (internal/hatest); no Docker engine is needed for `config`.
	if ! have docker-compose; then
		apt_install docker-compose
	fi
}

ensure_browser() {
	if ! have chromium && ! have chromium-browser && ! have google-chrome && ! have google-chrome-stable; then
		apt_install chromium
		have chromium || die "chromium was installed but is not on PATH"
	fi
	ensure_npm_tools
}

# The npm tools the tests run, each pinned by its directory's
# package-lock.json: axe-core, which the browser tests inject into pages
# (web/testdata/axe), @redocly/cli, which lints the OpenAPI document
# (tools/openapi), and the independent verifier of certificates built on
# Digital Bazaar's @digitalbazaar/vc (tools/vc-verify). A directory is
# installed again when its lockfile is newer than its node_modules.
ensure_npm_tools() {
	local root dir
	root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
	for dir in "$root/web/testdata/axe" "$root/tools/openapi" "$root/tools/vc-verify"; do
		if [ -d "$dir/node_modules" ] && [ ! "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
			continue
		fi
		have npm || apt_install npm
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules) || die "npm ci in $dir failed"
	done
}

# ---------------------------------------------------------------------- main

main() {
	local browser=0
	while [ $# -gt 0 ]; do
		case $1 in
		--browser) browser=1 ;;
		-h | --help)
			usage
			return 0
			;;
		*)
			usage >&2
			die "unknown argument: $1"
			;;
		esac
		shift
	done

	ensure_postgres
	ensure_redis
	ensure_test_tools
	# The browser tests and the OpenAPI lint run in `make test`, so their
	# npm tools are installed whenever npm can; --browser also installs
	# Chromium.
	if have npm; then
		ensure_npm_tools
	fi
	if [ "$browser" -eq 1 ]; then
		ensure_browser
	fi
}

main "$@"
