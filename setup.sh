#!/usr/bin/env bash
# One-command set-up on Debian/Ubuntu: the system libraries Manim, LaTeX and the voices need, then a .venv
# in this checkout with every Python dependency. Idempotent: a second run checks and changes nothing.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  libcairo2-dev libpango1.0-dev pkg-config                                  # build pycairo / manimpango
  texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm  # MathTex
  espeak-ng                                                                  # fallback voice, always there
  fonts-dejavu-core                                                          # the course typeface
  chromium                                                                   # the course page's browser tests
)
# The course page's explorer runs the model in the browser with onnxruntime-web, an npm package pinned in
# render/explorer/package-lock.json; Node 18+ (Debian's nodejs) only installs it, the page never needs Node.
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
# Exact pins for this machine live here, not in pyproject.toml: CPU-safe torch/torchvision pair, and
# Pillow below 12 because manim 0.22 fails on Pillow 13.
PINS=(torch==2.14.1 torchvision==0.29.1 "pillow>=11,<12")

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.vitlessons-setup
want=$(cat pyproject.toml setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q "${PINS[@]}"
  .venv/bin/python -m pip install -q "${PINS[@]}" -e ".[test]"
  echo "$want" > "$stamp"
fi
# npm ci only when the lockfile changed since the last install: a re-run stays quick. --ignore-scripts:
# onnxruntime-web needs no install step (its one dependency's postinstall only warns about versions).
explorer=render/explorer
lock_sum=$(sha256sum "$explorer/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$explorer/node_modules/.vitlessons-lock" 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: installing the explorer's onnxruntime-web (npm ci in $explorer)"
  (cd "$explorer" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$explorer/node_modules/.vitlessons-lock"
fi
.venv/bin/vitlessons doctor --quiet || true
echo "setup: done. Activate with: source .venv/bin/activate"
