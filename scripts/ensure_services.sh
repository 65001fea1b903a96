#!/usr/bin/env bash
# Start (or install) what the test suite needs, idempotently: PostgreSQL and Redis for the
# second database run and the Redis task backend, Chromium for the browser tests, wrk for the
# benchmarks, libmagic for upload checks. Each step does nothing when the thing is already there.
set -uo pipefail

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure_services: not root, cannot install $*; the tests that need it will skip" >&2
    return 0
  fi
  if [ $apt_updated = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || echo "ensure_services: could not install $*" >&2
}

[ -x /usr/lib/chromium/chromium ] || apt_install chromium chromium-driver
command -v wrk >/dev/null 2>&1 || apt_install wrk
# libmagic: the library's upload checks identify files by their content (python-magic).
ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1' || apt_install libmagic1

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi

if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
fi
exit 0
