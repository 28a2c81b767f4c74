# The start every CLI shell test shares, sourced first with the script's own arguments: PTV (the
# binary, $1), the working directory the source tree ($2), a scratch directory WORK removed on
# exit, and fail MESSAGE (to stderr, exit 1).
set -euo pipefail
PTV=$1
cd "$2"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
