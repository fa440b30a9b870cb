#!/usr/bin/env bash
# Builds the site the server embeds (target/site): the hydration bundle (this
# crate compiled to wasm, bound by wasm-bindgen, shrunk by wasm-opt), the
# stylesheet and the public files. Each step runs only when its input
# changed, so a build with nothing changed takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt from npm (`make tools`) before any other: Debian's older one
# breaks the release wasm.
export PATH="$PWD/target/tools/node_modules/.bin:$PATH"

site=target/site
wasm=target/wasm32-unknown-unknown/wasm-release/frontend.wasm
mkdir -p "$site/pkg"

cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release

# The bundle: remade when the compiled wasm is not the one it was made from.
stamp="$site/pkg/.frontend.wasm.sha256"
wanted=$(sha256sum "$wasm" | cut -d' ' -f1)
if [ ! -f "$site/pkg/vigie.js" ] || [ ! -f "$site/pkg/vigie_bg.wasm" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  work=$(mktemp -d target/site-build.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name vigie "$wasm"
  # -O1 over -Oz: larger on disk (3.3 MB against 2.8) but smaller once
  # compressed as the server sends it (555 KB of brotli against 630), and
  # 15 s of a first build instead of 72 (BENCHMARKS.md).
  wasm-opt -O1 "$work/vigie_bg.wasm" -o "$work/vigie_bg.opt.wasm"
  mv "$work/vigie_bg.opt.wasm" "$site/pkg/vigie_bg.wasm"
  mv "$work/vigie.js" "$site/pkg/vigie.js"
  echo "$wanted" > "$stamp"
  echo "site: bundle $(stat -c %s "$site/pkg/vigie_bg.wasm") bytes of wasm, $(stat -c %s "$site/pkg/vigie.js") of script"
fi

# Copies a file only when its content changed: the server's build watches
# the folder's times and re-embeds the site when one moves.
update() {
  if ! cmp -s "$1" "$2"; then
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2"
  fi
}
update style/main.css "$site/pkg/vigie.css"
for file in public/*; do
  update "$file" "$site/${file#public/}"
done
# Files no longer in public/ leave the site too.
for file in "$site"/*; do
  name=${file#"$site"/}
  if [ "$name" != pkg ] && [ ! -e "public/$name" ]; then
    rm -rf "$file"
  fi
done
