#!/usr/bin/env bash
# Rebuilds govuk-frontend.min.css: govuk-frontend's Sass compiled once, with
# Arial in place of GDS Transport and no @font-face rules, compressed.
# Needs node and npm; works in a scratch folder outside the repository.
set -euo pipefail

GOVUK_FRONTEND_VERSION=6.6.0
SASS_VERSION=1.108.2

assets=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact \
    "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@$SASS_VERSION" >/dev/null

cat >contactpoint.scss <<SCSS
/*! govuk-frontend $GOVUK_FRONTEND_VERSION, MIT licence (LICENSE-govuk-frontend.txt), compiled with Arial by build.sh */
@use "govuk-frontend/dist/govuk" with (
  \$govuk-font-family: (arial, sans-serif),
  \$govuk-include-default-font-face: false
);
SCSS

npx sass --load-path=node_modules --style=compressed --no-source-map --no-charset \
    contactpoint.scss "$assets/govuk-frontend.min.css"

echo "wrote $assets/govuk-frontend.min.css ($(wc -c <"$assets/govuk-frontend.min.css") bytes)"
