#!/bin/sh
# Install the Debian packages yubi's brief and tests use, only those that are missing.
# Usage: system-deps.sh [fonts]   (fonts: only what the brief needs)
#
# libharfbuzz-subset0: WeasyPrint subsets the fonts it embeds in a PDF with HarfBuzz when this
# library is present, else in pure Python (fontTools). For the Korean brief, whose CJK font
# has some 65,000 glyphs, that is ~6 s instead of ~33 s on 2 cores (issue 7).
set -e
has_lib() { { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q "$1"; }
want=""
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || want="$want fonts-noto-cjk"
has_lib libharfbuzz-subset.so.0 || want="$want libharfbuzz-subset0"
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
# Wait for another apt/dpkg run (e.g. a parallel job) instead of failing on its lock.
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=600 install -y -qq $want >/dev/null
