#!/bin/sh
# Compiles a copy of the package's src (default: the working tree) to perf/.build/<label>, so
# that train-step.mjs can compare two versions in one run.
# Usage: sh perf/build.sh <label> [<git-rev>]   (from packages/condense-layers)
set -e
label=$1; rev=$2
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/perf/.build/$label"
rm -rf "$out"; mkdir -p "$out/src"
if [ -n "$rev" ]; then
  (cd "$root" && git archive "$rev" src) | tar -x -C "$out"
else
  cp -r "$root/src/." "$out/src/"
fi
cat > "$out/tsconfig.json" <<JSON
{ "extends": "$root/tsconfig.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "declaration": false, "declarationMap": false, "sourceMap": false, "noUnusedLocals": false },
  "include": ["src"], "exclude": ["src/**/*.test.ts", "src/test-support/**"] }
JSON
"$root/node_modules/.bin/tsc" -p "$out/tsconfig.json"
echo "$out/dist/index.js"
