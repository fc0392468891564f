#!/usr/bin/env bash
# On a machine with a GPU, from the folder scripts/bundle.mjs prepared:
#   bash run.sh OUT_DIR [--smoke] [--allow-software]
# Unpacks the carried node and Vulkan loader where the machine has none, points the Vulkan loader
# at the NVIDIA driver's ICD, and runs gpu-bench.mjs (correctness, inference, training), writing
# OUT_DIR/gpu-bench.json and OUT_DIR/gpu-bench.log. Bounded by GPU_BENCH_TIMEOUT (480 s).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:?usage: run.sh OUT_DIR [gpu-bench options]}"; shift
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-bench.log") 2>&1

if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  [ -f "$HERE/node.xz" ] || { echo "no node >= 20 here and no node.xz beside run.sh (bundle with --node)"; exit 2; }
  mkdir -p /tmp/gpu-bench-node && xz -dc "$HERE/node.xz" > /tmp/gpu-bench-node/node && chmod +x /tmp/gpu-bench-node/node
  export PATH="/tmp/gpu-bench-node:$PATH"
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  if [ -d "$HERE/deb" ]; then
    mkdir -p /tmp/gpu-bench-vulkan
    for f in "$HERE"/deb/*.deb; do dpkg -x "$f" /tmp/gpu-bench-vulkan; done
    export LD_LIBRARY_PATH="/tmp/gpu-bench-vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  else
    echo "warning: no libvulkan.so.1 on this machine and no deb/ beside run.sh (bundle with --vulkan)"
  fi
fi
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json; do
    [ -f "$f" ] && export VK_ICD_FILENAMES="$f" && break
  done
fi
echo "node $(node -v); VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-<none>}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
timeout "${GPU_BENCH_TIMEOUT:-480}" node "$HERE/gpu-bench.mjs" --out "$OUT/gpu-bench.json" "$@"
rc=$?
echo "gpu-bench exit code: $rc"
exit $rc
