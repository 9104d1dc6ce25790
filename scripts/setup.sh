#!/usr/bin/env bash
# Creates .venv and installs mynalib with its extras. As root on Debian/Ubuntu it also installs
# the system packages the tests and the demo need; otherwise it prints the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
APT_PACKAGES="pcscd vsmartcard-vpcd libpcsclite-dev gcc chromium fonts-noto-cjk openssl poppler-utils"

missing_apt() {
  local missing=()
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  missing=$(missing_apt)
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = "0" ]; then
      echo "==> installing system packages: $missing"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      # shellcheck disable=SC2086
      apt-get install -y -qq --no-install-recommends $missing
    else
      echo "==> system packages missing: $missing"
      echo "    run:  sudo apt-get install -y --no-install-recommends $missing"
      echo "    (the PC/SC and browser tests are skipped until then)"
    fi
  fi
else
  echo "==> not a Debian/Ubuntu system: install pcscd (or use the OS smart-card service) and"
  echo "    chromium yourself if you want the PC/SC and browser tests; see README.md"
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip uv

extras="dev,pcsc"
if ! { [ -e /usr/include/PCSC/winscard.h ] || [ "$(uname)" = "Darwin" ]; }; then
  echo "==> libpcsclite-dev not found: installing without the 'pcsc' extra (no real readers)"
  extras="dev"
fi
echo "==> installing mynalib[$extras] into $VENV"
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --compile-bytecode -e ".[$extras]"
touch "$VENV/.installed"
echo "==> ready: $VENV"
echo "    the myna command: ./myna --help  (or $VENV/bin/myna, or: source $VENV/bin/activate, then myna)"
