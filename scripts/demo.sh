#!/usr/bin/env bash
# scripts/demo.sh: the main job end to end on bundled settings: draw prior corpora, describe them,
# stream batches into PyTorch. Outputs go to demo-out/ (git-ignored). Called by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
SCMFORGE="$VENV/bin/scmforge"
OUT=demo-out
mkdir -p "$OUT"

echo "== 1. MetaTree-shaped corpus: 20,000 datasets (256 rows, <=10 features, <=10 classes)"
"$SCMFORGE" prior sample --preset metatree --n 20000 --seed 7 --threads 2 --out "$OUT/metatree.h5"
"$SCMFORGE" prior describe "$OUT/metatree.h5" --plot "$OUT/metatree.png" | head -20

echo "== 2. nanoTabPFN dump: 10,000 datasets of 150 rows x 5 features, 2 classes"
"$SCMFORGE" prior sample --preset nanotabpfn --n 10000 --seed 1 --threads 2 --out "$OUT/nanotabpfn.h5"

echo "== 3. TabICL prior (70% MLP-SCM / 30% tree-SCM), 1024 rows, <=100 features: 200 datasets"
"$SCMFORGE" prior sample --preset tabicl --n 200 --seed 3 --threads 2 --out "$OUT/tabicl.h5"
"$SCMFORGE" prior describe "$OUT/tabicl.h5" | sed -n 1,4p

echo "== 4. TabPFN v1 prior (GP / MLP prior bag), 1152 rows, <=100 features: 500 datasets"
"$SCMFORGE" prior sample --preset tabpfn-v1 --n 500 --seed 4 --threads 2 --out "$OUT/tabpfn-v1.h5"
"$SCMFORGE" prior describe "$OUT/tabpfn-v1.h5" | sed -n 1,4p

echo "== 5. The same prior streamed into PyTorch with no disk (2 DataLoader workers)"
"$VENV/bin/python" - <<'PY'
import time
import torch
from torch.utils.data import DataLoader
from scmforge.torch import PriorStream

stream = PriorStream("metatree", batch_size=64, num_batches=20, seed=7)
start = time.perf_counter()
for batch in DataLoader(stream, batch_size=None, num_workers=2):
    pass
elapsed = time.perf_counter() - start
print(f"last batch: x {tuple(batch['x'].shape)}, y {tuple(batch['y'].shape)}, "
      f"single_eval_pos {batch['single_eval_pos']}; {20 * 64 / elapsed:.0f} datasets/s streamed")
PY
echo "== demo done: outputs in $OUT/ (metatree.png shows the distributions)"
