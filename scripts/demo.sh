#!/usr/bin/env bash
# scripts/demo.sh: the main job end to end on bundled settings: draw prior corpora, describe them,
# stream batches into PyTorch, fit CART and optimal trees, build a MetaTree corpus. Outputs go to
# demo-out/ (git-ignored). Called by `make demo`.
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
DATA=../shared/datasets/classification
echo "== 6. Trees on a real table: CART (scikit-learn's tree) and the provably optimal depth-3 tree"
"$SCMFORGE" tree fit "$DATA/penguins.csv" --algo cart --depth 3 --out "$OUT/penguins-cart.json"
"$SCMFORGE" tree fit "$DATA/penguins.csv" --algo optimal --depth 3 --time-limit 60 --out "$OUT/penguins-optimal.json"
"$SCMFORGE" tree show "$OUT/penguins-optimal.json"
"$SCMFORGE" tree predict "$OUT/penguins-optimal.json" "$DATA/penguins.csv" --target target --out "$OUT/penguins-pred.csv"

echo "== 7. The same from Python: one depth-2 CART per prior dataset, 20,000 trees in one batched call"
"$VENV/bin/python" - <<'PY'
import time
import numpy as np
import scmforge.prior
from scmforge import _core
batch = scmforge.prior.sample(20000, preset="metatree", seed=7, threads=2)
X = np.ascontiguousarray(batch.X)  # (20000, 256, 10) zero-padded
y = np.ascontiguousarray(batch.y, dtype=np.int32)
args = _core.CartArgs("gini", 2, 2, 1, 0.0, 0.0, -1, 0)
start = time.perf_counter()
trees = _core.fit_cart_batch(X, y, 10, args, 2)
elapsed = time.perf_counter() - start
acc = np.mean([(t.predict_class(np.asfortranarray(X[i])) == y[i]).mean() for i, t in enumerate(trees[:2000])])
print(f"{len(trees)} depth-2 trees in {elapsed:.2f}s ({len(trees) / elapsed:,.0f} trees/s); mean training accuracy {acc:.3f} (first 2,000)")
PY
echo "== 8. A MetaTree corpus: 10,000 examples (prior -> depth-2 CART -> filters -> relabel + 5% noise)"
rm -rf "$OUT/corpus"
"$SCMFORGE" corpus build --preset metatree --n 10000 --target cart --depth 2 --label-noise 0.05 \
  --seed 1 --threads 2 --out "$OUT/corpus"
"$SCMFORGE" corpus verify "$OUT/corpus"
"$SCMFORGE" corpus stats "$OUT/corpus" --plot "$OUT/corpus.png"
echo "== 9. MetaTree (pre-trained only on synthetic corpora, bundled checkpoint) writes a depth-2 tree for a real table"
"$VENV/bin/python" - <<'PY'
import numpy as np
from sklearn.model_selection import train_test_split
from scmforge.io import read_csv
from scmforge.models import MetaTreeClassifier
from scmforge.tree import DecisionTreeClassifier
t = read_csv("../shared/datasets/classification/diabetes.csv")
Xtr, Xte, ytr, yte = train_test_split(t.X.astype(np.float32), t.y, test_size=0.3, random_state=0, stratify=t.y)
meta = MetaTreeClassifier(depth=2, n_trees=1, random_state=0).fit(Xtr, ytr)
print(meta.export_text(0))
for name, clf in (("MetaTree, 1 tree", meta), ("MetaTree, 20 trees", MetaTreeClassifier(depth=2, n_trees=20, random_state=0).fit(Xtr, ytr)),
                  ("CART (full training set)", DecisionTreeClassifier(max_depth=2).fit(Xtr, ytr))):
    print(f"{name:>24}: test accuracy {(clf.predict(Xte) == yte).mean():.3f}")
PY
echo "== 10. CausalMixFT: the bundled TFM (pre-trained only on the prior) zero-shot, then fine-tuned with CausalMix rows"
"$SCMFORGE" finetune tfm ../shared/datasets/classification/diabetes.csv --train-rows 128 --augment causalmix \
  --steps 30 --threads 2 --out "$OUT/finetune.json"
echo "== demo done: outputs in $OUT/ (metatree.png and corpus.png show the distributions)"
