#!/usr/bin/env bash
# The main job: installs what is missing, builds the page and serves it on
# localhost (any static server would do: www/dist is plain files).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-page.sh
port="${PORT:-8080}"
echo
echo "gradlab is at http://localhost:${port}/  (Ctrl-C stops the server)"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory www/dist
