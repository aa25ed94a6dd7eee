#!/usr/bin/env bash
# Train the shipped translators on one GPU machine in one call, within a wall budget (docs/translator.md, "GPU").
#
# Runs on the machine's Python as it is (no install): the code comes from src/ via PYTHONPATH, the data from the
# packs in $PACK_DIR (designgan data pack; they travel with the checkout). Steps:
#   1. preflight: torch, the GPU, the packs, the code imports (fails in seconds, with one line)
#   2. bench: a few timed training steps of the production config (pair-steps/s, TFLOP/s, utilisation)
#   3. train every run in $RUNS side by side on the one GPU for $MINUTES of training time each (checkpoint every
#      minute; SIGTERM at the wall limit still checkpoints)
#   4. export each run: NAME.safetensors (fp16 generators, the bundled-model format) and
#      NAME.discriminators.safetensors (to continue training later: INIT=DIR); a painter run (kind: painter) as
#      jeans2skirt_painter.safetensors + pants2skirt_painter.safetensors and NAME.checkpoint.safetensors (painter +
#      discriminator, what INIT=DIR continues from); and results.tar.gz (the JSON
#      sidecars, logs, bench figures, run configs, last sample grids) into $OUT: at most 8 files, each <= 16 MiB.
#
# Environment:
#   OUT                 where to write the results (required)
#   MINUTES             training minutes per run (default 6.5)
#   STEPS               step cap per run (default 20000; the time budget normally ends the run first)
#   RUNS                one run per line: NAME CONFIG [KEY=VALUE ...] (default below)
#   INIT                folder holding NAME.safetensors (+ NAME.discriminators.safetensors) to continue from
#   PACK_DIR            folder holding the packs the configs name (default: the paths in the configs)
#   PYTHON              interpreter (default python3)
#   BENCH_STEPS=off     skip step 2 (when its figures are already known and every second counts)
#   DESIGNGAN_REHEARSAL=1  the same steps on the CPU with tiny sizes and step counts (<= 3 minutes), same files
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export OMP_WAIT_POLICY=PASSIVE
PY=${PYTHON:-python3}
OUT=${OUT:?set OUT to the folder the results go to}
PACK_DIR=${PACK_DIR:-}
REHEARSAL=${DESIGNGAN_REHEARSAL:-0}
# The garment painter (issue 29, configs/painter_gpu.yaml): one network, exported as jeans2skirt_painter and
# pants2skirt_painter. The translator recipes (configs/gpu/*.yaml: prior refiners, frame and whole-photo
# generators) run the same way: RUNS="jeans2skirt configs/gpu/jeans2skirt_prior.yaml".
DEFAULT_RUNS="painter configs/painter_gpu.yaml"
# what a painter run is exported as: NAME DOMAINS FAMILIES per line
PAINTER_EXPORTS="jeans2skirt_painter jeans,skirt trousers,skirt
pants2skirt_painter pants,skirt trousers,skirt"
RUNS=${RUNS:-$DEFAULT_RUNS}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/designgan_device.XXXXXX")
mkdir -p "$OUT" "$WORK/results"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$WORK/results/device.log" >&2; }
is_painter() { grep -q '^kind: *painter' "$1"; }
pack_of() {  # the pack a config reads, looked up in $PACK_DIR when that is set
  local pack
  pack=$(sed -n 's/^ *pack: *//p' "$1")
  if [ -n "$PACK_DIR" ]; then echo "$PACK_DIR/$(basename "$pack")"; else echo "$pack"; fi
}

if [ "$REHEARSAL" = 1 ]; then
  DEVICE=cpu MINUTES=${MINUTES:-0.15} STEPS=${STEPS:-3}
  SHAPE=(--set "data.size=[64, 48]" --set train.batch_size=2 --set train.checkpoint_minutes=0.05
         --set train.log_every=1 --set train.image_every=2)
  BENCH=(--size 64x48 --batch 2 --steps 1 --warmup 1 --no-reference)
  export OMP_NUM_THREADS=1
else
  DEVICE=cuda MINUTES=${MINUTES:-6.5} STEPS=${STEPS:-20000}
  SHAPE=()
  BENCH=(--steps 15 --warmup 3)
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}  # several runs share the host's cores; their CPU work is small
fi

# ---- 1. preflight --------------------------------------------------------------------------------------------
log "preflight: $DEVICE, $MINUTES min per run"
"$PY" - "$DEVICE" <<'EOF' 2>&1 | tee -a "$WORK/results/device.log"
import sys
import torch
device = sys.argv[1]
major, minor = (int(v) for v in torch.__version__.split("+")[0].split(".")[:2])
if (major, minor) < (2, 4):
    sys.exit(f"preflight: torch {torch.__version__} is older than 2.4")
if device == "cuda" and not torch.cuda.is_available():
    sys.exit("preflight: no CUDA GPU visible to torch")
import designgan.train.loop  # noqa: F401  (the whole training path imports)
import designgan.pipeline.core  # noqa: F401  (and the export path; designgan.pipeline itself loads lazily)
where = torch.cuda.get_device_name() if device == "cuda" else "cpu"
print(f"preflight: torch {torch.__version__}, {where}, python {sys.version.split()[0]}")
EOF
while read -r name config _; do
  [ -n "$name" ] || continue
  pack=$(pack_of "$config")
  [ -f "$pack" ] || { log "preflight: $pack missing (designgan data pack --config $config)"; exit 2; }
done <<< "$RUNS"

# ---- 2. bench (also the first real training step: a broken path stops here, within a minute) -----------------
if [ "${BENCH_STEPS:-on}" != off ]; then
first_config=$(echo "$RUNS" | head -1 | awk '{print $2}')
log "bench: $first_config"
if is_painter "$first_config"; then  # a few real training steps; their speed is the bench figure
  "$PY" -m designgan.cli train --config "$first_config" --set "train.out_dir=$WORK/bench" --set train.stop_after=${BENCH_PAINTER_STEPS:-30} \
    --set "train.device=$DEVICE" --set "data.pack=$(pack_of "$first_config")" --set train.progress=false \
    --set train.log_every=5 "${SHAPE[@]}" > "$WORK/results/bench_train.log" 2>&1 \
    || { log "bench failed:"; tail -20 "$WORK/results/bench_train.log" >&2; exit 1; }
  "$PY" -c "import sys, yaml; rows=[yaml.safe_load(l) for l in open(sys.argv[1])]; s=[r for r in rows if 'samples_per_s' in r][-1]; print('bench: samples/s', round(s['samples_per_s'], 2), 'at step', s['step'])" \
    "$WORK/bench/log.jsonl" | tee -a "$WORK/results/device.log"
  rm -rf "$WORK/bench"
else
"$PY" -m designgan.cli bench train --config "$first_config" --device "$DEVICE" "${BENCH[@]}" --json \
  --set "data.pack=$(pack_of "$first_config")" > "$WORK/results/bench_train.json" \
  2> "$WORK/results/bench_train.log" || { log "bench failed:"; tail -20 "$WORK/results/bench_train.log" >&2; exit 1; }
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1]))['designgan']; print('bench:', {k: d.get(k) for k in ('step_s','pairs_per_s','achieved_tflops','utilisation','precision','peak_memory_mb')})" \
  "$WORK/results/bench_train.json" | tee -a "$WORK/results/device.log"
fi
fi

# ---- 3. train side by side ------------------------------------------------------------------------------------
MONITOR=""
if [ "$DEVICE" = cuda ] && command -v nvidia-smi >/dev/null 2>&1; then  # GPU load every 10 s, for the record
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 10 > "$WORK/results/gpu_load.csv" 2>&1 &
  MONITOR=$!
fi
declare -A PIDS
while read -r name config overrides; do
  [ -n "$name" ] || continue
  args=(--config "$config" --set "train.out_dir=$WORK/runs/$name" --set "train.max_minutes=$MINUTES"
        --set "train.steps=$STEPS" --set "train.device=$DEVICE" --set "data.pack=$(pack_of "$config")"
        --set train.progress=false "${SHAPE[@]}")
  for kv in $overrides; do args+=(--set "$kv"); done
  base=${name%%_*}
  if [ -n "${INIT:-}" ] && is_painter "$config"; then args+=(--set "train.init_from=$INIT/$name.checkpoint.safetensors")
  elif [ -n "${INIT:-}" ]; then args+=(--set "train.init_from=$INIT/$base.safetensors"); fi
  cp "$config" "$WORK/results/$name.config.yaml"
  log "train $name: ${args[*]}"
  # The wall limit (training budget + start-up and checkpoints) sends SIGTERM: the loop checkpoints, then exits.
  timeout --signal=TERM --kill-after=60 "$(awk "BEGIN {print int($MINUTES * 60 + 150)}")" \
    "$PY" -m designgan.cli train "${args[@]}" > "$WORK/results/$name.log" 2>&1 &
  PIDS[$name]=$!
done <<< "$RUNS"
failed=0
for name in "${!PIDS[@]}"; do
  if wait "${PIDS[$name]}"; then log "train $name: done"; else rc=$?; log "train $name: exit $rc"; tail -5 "$WORK/results/$name.log" >&2; failed=1; fi
done

[ -z "$MONITOR" ] || kill "$MONITOR" 2>/dev/null || true

# ---- 4. export and collect ------------------------------------------------------------------------------------
for name in "${!PIDS[@]}"; do
  run="$WORK/runs/$name"
  [ -f "$run/checkpoints/latest" ] || { log "export $name: no checkpoint"; continue; }
  if [ -f "$run/config.yaml" ] && is_painter "$run/config.yaml"; then
    # the painter: one translator per pair, and the checkpoint's weights (painter + discriminator) to continue from
    while read -r model pair families; do
      [ -n "$model" ] || continue
      { "$PY" -m designgan.cli export-painter "$run" "$OUT/$model.safetensors" --domains "$pair" \
          --families "$families" --force >> "$WORK/results/device.log" 2>&1 \
        && mv "$OUT/$model.json" "$WORK/results/$model.json"; } || { log "export $model: failed"; failed=1; }
    done <<< "$PAINTER_EXPORTS"
    "$PY" -c "import sys; from safetensors.torch import load_file, save_file; save_file({k: v.half() for k, v in load_file(sys.argv[1]).items()}, sys.argv[2])" \
      "$run/checkpoints/$(cat "$run/checkpoints/latest")/model.safetensors" "$OUT/$name.checkpoint.safetensors" \
      || { log "export $name: checkpoint failed"; failed=1; }
    cp "$run/log.jsonl" "$WORK/results/$name.log.jsonl"
  else
  # A failed export is logged and the rest still comes back (the checkpoint logs and grids are in the tarball).
  { "$PY" -m designgan.cli export "$run" "$OUT/$name.safetensors" --force >> "$WORK/results/device.log" 2>&1 \
    && mv "$OUT/$name.json" "$WORK/results/$name.json"; } || { log "export $name: generators failed"; failed=1; }
  "$PY" -c "import sys; from designgan.train.checkpoint import export_discriminators as e; e(sys.argv[1], sys.argv[2])" \
    "$run" "$OUT/$name.discriminators.safetensors" 2>> "$WORK/results/device.log" \
    || { log "export $name: discriminators failed"; failed=1; }
  fi
  cp "$run/config.yaml" "$WORK/results/$name.run_config.yaml"
  cp "$run/run.json" "$WORK/results/$name.run.json"
  last=$(ls "$run/samples" 2>/dev/null | tail -1)
  [ -z "$last" ] || cp "$run/samples/$last" "$WORK/results/$name.last_sample.png"
  [ ! -d "$run/tb" ] || { mkdir -p "$WORK/results/tb_$name" && cp -r "$run/tb/." "$WORK/results/tb_$name/"; }
  log "export $name: $(grep -c . "$WORK/results/$name.log") log lines, last: $(tail -1 "$WORK/results/$name.log" | cut -c1-200)"
done
tar -czf "$OUT/results.tar.gz" -C "$WORK/results" .
ls -l "$OUT" >&2
rm -rf "$WORK"
exit $failed
