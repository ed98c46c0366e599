#!/usr/bin/env bash
# End-to-end journeys in the Microsoft 365 Agents Playground, driven by headless Chromium.
# Everything (bot, playground, browser) runs inside a private network namespace that has only
# loopback: the playground probes a cloud metadata address at start, and nothing may leave here.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SG_E2E_NETNS:-}" != "1" ]; then
  if [ "$(id -u)" = "0" ]; then
    exec unshare --net env SG_E2E_NETNS=1 bash "$0" "$@"
  else
    exec unshare --map-root-user --net env SG_E2E_NETNS=1 bash "$0" "$@"
  fi
fi

ip link set lo up

# The playground exits if it cannot "open a browser": give it a no-op xdg-open.
shim="$(mktemp -d)"
printf '#!/bin/sh\nexit 0\n' > "$shim/xdg-open"
chmod +x "$shim/xdg-open"
export PATH="$shim:$PATH"

mkdir -p test-artifacts
exec npx jest -c jest.e2e.config.js "$@"
