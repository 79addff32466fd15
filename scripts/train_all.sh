#!/usr/bin/env bash
# Full training runs behind the figures in docs/reference-models.md. Meant for one GPU
# box (runs in parallel, ~9 min); every run is an ordinary CLI call, so any line can be
# rerun alone. Usage: OUT=runs/full PY=python3 scripts/train_all.sh
set -u
OUT=${OUT:-runs/full}
PY=${PY:-python3}
MIN=${MIN:-6}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
T="$PY -m reference_models.cli train"
LM="--task char-lm --steps 1500 --batch-size 32 --seq-len 128 --eval-every 250 --log --max-minutes $MIN"
CP="--task copy --steps 5000 --batch-size 32 --seq-len 20 --eval-every 250 --log --max-minutes $MIN --slots 128 --word 20"

# char LM, regularised, parameter-matched (1.24M total): dropout 0.2, AdamW wd 0.1, early stopping
LMR="--task char-lm --steps 1500 --batch-size 32 --seq-len 128 --eval-every 100 --log --max-minutes $MIN --dropout 0.2 --weight-decay 0.1"
$T torch-lstm $LMR --layers 1 --hidden 512 --out "$OUT/lmr-lstm-1x512"  > "$OUT/lmr-lstm-1x512.log" 2>&1 &
$T torch-lstm $LMR --layers 2 --hidden 306 --out "$OUT/lmr-lstm-2x306"  > "$OUT/lmr-lstm-2x306.log" 2>&1 &
$T t-lstm     $LMR --layers 2 --match-params torch-lstm:1x512 --out "$OUT/lmr-tlstm-2x415" > "$OUT/lmr-tlstm-2x415.log" 2>&1 &
$T t-lstm     $LMR --layers 3 --match-params torch-lstm:1x512 --out "$OUT/lmr-tlstm-3x301" > "$OUT/lmr-tlstm-3x301.log" 2>&1 &
# char LM, unregularised parameter-matched pairs (1.92M and 1.24M parameters in total; the earlier figures)
LM="$LM --dropout 0 --weight-decay 0"
$T torch-lstm $LM --layers 2 --hidden 384  --out "$OUT/lm-lstm-2l"  > "$OUT/lm-lstm-2l.log" 2>&1 &
$T t-lstm     $LM --layers 2 --hidden 525  --out "$OUT/lm-tlstm-2l" > "$OUT/lm-tlstm-2l.log" 2>&1 &
$T torch-lstm $LM --layers 1 --hidden 512  --out "$OUT/lm-lstm-1l"  > "$OUT/lm-lstm-1l.log" 2>&1 &
$T t-lstm     $LM --layers 1 --hidden 2523 --out "$OUT/lm-tlstm-1l" > "$OUT/lm-tlstm-1l.log" 2>&1 &
# HM-RNN boundaries (char LM)
HM="--task char-lm --steps 3000 --batch-size 64 --seq-len 100 --eval-every 100000 --log --max-minutes $MIN --layers 2 --hidden 256 --dropout 0 --weight-decay 0"
$T hm-lstm $HM --out "$OUT/lm-hmlstm"  > "$OUT/lm-hmlstm.log" 2>&1 &
$T t-hmrnn $HM --out "$OUT/lm-thmrnn"  > "$OUT/lm-thmrnn.log" 2>&1 &
# copy task
$T ntm        $CP --hidden 100 --lr 1e-3 --out "$OUT/copy-ntm"        > "$OUT/copy-ntm.log" 2>&1 &
$T t-ntm      $CP --hidden 100 --lr 1e-3 --out "$OUT/copy-tntm"       > "$OUT/copy-tntm.log" 2>&1 &
$T t-ntm      $CP --hidden 100 --lr 3e-3 --out "$OUT/copy-tntm-lr3e-3" > "$OUT/copy-tntm-lr3e-3.log" 2>&1 &
$T torch-lstm $CP --hidden 256 --lr 1e-3 --out "$OUT/copy-lstm"       > "$OUT/copy-lstm.log" 2>&1 &
wait
