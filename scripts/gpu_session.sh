#!/usr/bin/env bash
# The one command that measures everything GPU-side, for a session that is lent a GPU.
# Writes everything under $OUT:
#   gpu.log            nvidia-smi, the Triton kernels against the float64 loop (check_fused_cuda.py)
#   pytest_cuda.log    the CUDA-only tests (tests/reference_models: Triton scan and fused T-LSTM)
#   bench.log/.json    benchmarks/scan_vs_cudnn.py --device cuda, all four precisions
#   charlm_*           the parameter-matched char-LM comparison runs, in parallel
#   OUT=/tmp/out STEPS=1500 MIN=4.5 scripts/gpu_session.sh
set -u
OUT=${OUT:-/tmp/gpu_out}; STEPS=${STEPS:-1500}; MIN=${MIN:-4.5}; PY=${PY:-python3}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$OUT/gpu.log"
$PY scripts/check_fused_cuda.py 2>&1 | tee -a "$OUT/gpu.log"
$PY -m pytest -q -p no:cacheprovider tests/reference_models/test_reference_scan.py tests/reference_models/test_fused.py \
  -k cuda -rs 2>&1 | tee "$OUT/pytest_cuda.log"
$PY benchmarks/scan_vs_cudnn.py --device cuda --precision fp32,tf32,default,bf16 --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.log"
R=/tmp/charlm; mkdir -p $R
run() {  # name model layers hidden|match dropout
  local size=(--hidden "$4"); [[ "$4" == match* ]] && size=(--match-params "torch-lstm:1x512")
  $PY -m reference_models.cli train "$2" --task char-lm --steps "$STEPS" --batch-size 32 --seq-len 128 \
    --layers "$3" "${size[@]}" --dropout "$5" --eval-every 100 --checkpoint-every 100000 --max-minutes "$MIN" \
    --log --device cuda --out "$R/$1" > "$R/$1.log" 2>&1
}
for d in 0.2 0.4; do
  run lstm1x512_d$d torch-lstm 1 512 $d &
  run lstm2x306_d$d torch-lstm 2 306 $d &
  run tlstm2x_matched_d$d t-lstm 2 match $d &
  run tlstm3x_matched_d$d t-lstm 3 match $d &
done
wait
$PY scripts/summarize_runs.py "$R" 2>&1 | tee "$OUT/charlm_table.txt"
tar czf "$OUT/charlm_runs.tgz" -C $R $(cd $R && ls *.log */metrics.json) 2>/dev/null
