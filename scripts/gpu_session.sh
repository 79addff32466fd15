#!/usr/bin/env bash
# One device call: CUDA check of the fused op, the speed benchmark (all precisions), then
# the char-LM comparison runs in parallel. Writes everything under $OUT.
#   OUT=/tmp/out STEPS=1500 scripts/gpu_session.sh
set -u
OUT=${OUT:-/tmp/gpu_out}; STEPS=${STEPS:-1500}; MIN=${MIN:-4.5}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$OUT/gpu.log"
python3 scripts/check_fused_cuda.py 2>&1 | tee -a "$OUT/gpu.log"
python3 benchmarks/scan_vs_cudnn.py --device cuda --precision fp32,tf32,default,bf16 --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.log"
R=/tmp/charlm; mkdir -p $R
run() {  # name model layers hidden dropout
  python3 -m reference_models.cli train "$2" --task char-lm --steps "$STEPS" --batch-size 32 --seq-len 128 \
    --layers "$3" --hidden "$4" --dropout "$5" --eval-every 100 --checkpoint-every 100000 --max-minutes "$MIN" \
    --quiet --device cuda --out "$R/$1" > "$R/$1.log" 2>&1
}
for d in 0.2 0.4; do
  run lstm1x512_d$d torch-lstm 1 512 $d &
  run lstm2x306_d$d torch-lstm 2 306 $d &
  run tlstm2x415_d$d t-lstm 2 415 $d &
  run tlstm3x301_d$d t-lstm 3 301 $d &
done
run tlstm1x2523_d0.2 t-lstm 1 2523 0.2 &
wait
python3 - "$R" <<'PY' 2>&1 | tee "$OUT/charlm_table.txt"
import json, sys, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).glob("*/metrics.json")):
    m = json.loads(p.read_text()); b = m.get("best_checkpoint") or {}
    print(f"{p.parent.name:<20} params {m['params_total']:>9,} steps {m['steps_done']:>5} s {m['seconds_this_run']:6.0f} "
          f"train_loss50 {m['final_train_loss_avg50']:.3f} final valid {m['final']['valid_bpc']:.3f} "
          f"train_sample {m['final'].get('train_sample_bpc', float('nan')):.3f} | best@{b.get('step')} valid "
          f"{b.get('valid_bpc', float('nan')):.3f} test {b.get('test_bpc', float('nan')):.3f} "
          f"train_sample {b.get('train_sample_bpc', float('nan')):.3f}")
PY
for f in $R/*/metrics.json; do n=$(basename $(dirname $f)); python3 -c "import json,sys;m=json.load(open('$f'));m.pop('history',None);print(json.dumps({'$n':m}))"; done > "$OUT/charlm_metrics.jsonl"
tar czf "$OUT/charlm_runs.tgz" -C $R $(cd $R && ls *.log */metrics.json) 2>/dev/null
