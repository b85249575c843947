#!/bin/sh
# Install the Debian packages yubi's brief and tests use, only those that are missing.
# Usage: system-deps.sh [fonts]   (fonts: only what the brief needs)
set -e
want=""
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || want="$want fonts-noto-cjk"
command -v pdftoppm >/dev/null 2>&1 || want="$want poppler-utils"
if [ "$1" != "fonts" ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want="$want postgresql"
  [ -x /usr/bin/chromium ] || want="$want chromium"
fi
[ -z "$want" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "yubi: please install these Debian packages:$want" >&2
  exit 0
fi
echo "installing Debian packages:$want" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq $want >/dev/null
