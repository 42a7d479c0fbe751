# Shared setup for scripts/serve.sh and scripts/test.sh (sourced, not run).
# Installs missing Debian packages and keeps .venv in step with a requirements file.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_apt_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Please install these Debian packages: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

find_python311() {
  # Debian's own interpreter first: it lives outside any home folder, so the sandbox's
  # unprivileged user can run the same virtualenv as the app (a pyenv build under /root
  # cannot be executed by another user).
  for candidate in /usr/bin/python3.11 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "Insight needs Python 3.11 (PandasAI 3 does not support 3.12 yet)." >&2
  exit 1
}

ensure_venv() {
  local requirements="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    [ -x /usr/bin/python3.11 ] && ensure_apt_packages python3.11-venv
    echo "Creating the virtual environment in .venv"
    "$(find_python311)" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
  fi
  # Reinstall only when a requirements file changed since the last install.
  local stamp="$VENV/.installed-$(basename "$requirements")"
  local digest
  digest="$(cat "$ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    echo "Installing Python packages from $(basename "$requirements")"
    # Wheels only, then a consistency check: the Dockerfile installs the same way, so CI
    # proves the image's install step too.
    "$VENV/bin/python" -m pip install -q --only-binary=:all: -r "$ROOT/$requirements"
    "$VENV/bin/python" -m pip check
    echo "$digest" > "$stamp"
  fi
}
