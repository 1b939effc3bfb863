// src/scm/boosting.cpp: binning, depth-wise histogram tree growth and boosting rounds.
#include "scmforge/scm/boosting.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "scmforge/core/error.hpp"

namespace scmforge::scm {
namespace {

// Per-feature bins: codes[j * n + i] is the bin of row i in feature j; cuts[j][b] is the
// threshold between bin b and bin b + 1.
struct Binned {
  std::vector<std::uint8_t> codes;
  std::vector<std::vector<double>> cuts;
};

Binned bin_features(std::span<const double> x, std::int64_t n, std::int32_t p, int max_bins) {
  Binned b;
  b.codes.resize(x.size());
  b.cuts.resize(static_cast<std::size_t>(p));
  std::vector<double> sorted;
  for (std::int32_t j = 0; j < p; ++j) {
    const double* col = x.data() + static_cast<std::int64_t>(j) * n;
    sorted.assign(col, col + n);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<double> edges;  // upper value of each bin
    if (static_cast<int>(sorted.size()) <= max_bins) {
      edges = sorted;
    } else {
      for (int k = 1; k <= max_bins; ++k) {
        const auto idx = static_cast<std::size_t>(
            std::ceil(static_cast<double>(k) * static_cast<double>(sorted.size()) / max_bins) - 1);
        edges.push_back(sorted[idx]);
      }
      edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    }
    auto& cut = b.cuts[static_cast<std::size_t>(j)];
    for (std::size_t k = 0; k + 1 < edges.size(); ++k) {
      const auto next = std::upper_bound(sorted.begin(), sorted.end(), edges[k]);
      cut.push_back(0.5 * (edges[k] + *next));
    }
    std::uint8_t* codes = b.codes.data() + static_cast<std::int64_t>(j) * n;
    for (std::int64_t i = 0; i < n; ++i) {
      codes[i] =
          static_cast<std::uint8_t>(std::upper_bound(cut.begin(), cut.end(), col[i]) - cut.begin());
    }
  }
  return b;
}

struct Bin {
  double g = 0;
  double h = 0;
  std::int64_t count = 0;
};

// Grows one tree on gradients / hessians; rows[begin, end) of `rows` belong to the node being
// grown and are partitioned in place. Leaves add their value to `score` (stride k, output c).
// A node's histogram (all features, bins at `offset[j]`) comes from its parent: the smaller
// child's is summed from its rows and the larger child's is the parent's minus it.
struct TreeGrower {
  const Binned& bins;
  std::int64_t n;
  const std::vector<double>& g;
  const std::vector<double>& h;
  const BoostingOptions& options;
  std::int64_t min_leaf;
  BoostedTrees& model;
  std::vector<std::int32_t>& rows;
  std::vector<std::size_t> offset;   // first bin of feature j; offset.back() = all bins
  std::vector<std::int32_t> buffer;  // partition scratch

  std::int32_t new_node() {
    model.feature.push_back(-1);
    model.threshold.push_back(0.0);
    model.left.push_back(-1);
    model.right.push_back(-1);
    model.value.push_back(0.0);
    return static_cast<std::int32_t>(model.feature.size() - 1 -
                                     static_cast<std::size_t>(model.roots.back()));
  }

  [[nodiscard]] bool splittable(std::size_t count, int depth) const {
    return depth < options.max_depth && static_cast<std::int64_t>(count) >= 2 * min_leaf;
  }

  std::vector<Bin> histogram(std::size_t begin, std::size_t end) const {
    std::vector<Bin> hist(offset.back());
    for (std::size_t j = 0; j + 1 < offset.size(); ++j) {
      if (offset[j + 1] - offset[j] < 2) continue;
      const std::uint8_t* codes = bins.codes.data() + static_cast<std::int64_t>(j) * n;
      Bin* hj = hist.data() + offset[j];
      for (std::size_t r = begin; r < end; ++r) {
        const auto i = static_cast<std::size_t>(rows[r]);
        Bin& bin = hj[codes[i]];
        bin.g += g[i];
        bin.h += h[i];
        ++bin.count;
      }
    }
    return hist;
  }

  // Returns the node's index relative to the tree's root. `hist` is empty when the node cannot
  // be split (then it is not needed).
  std::int32_t grow(std::size_t begin, std::size_t end, int depth, std::vector<Bin> hist,
                    double* score, int stride) {
    const std::int32_t node = new_node();
    const auto abs_node = static_cast<std::size_t>(model.roots.back() + node);
    double g_sum = 0;
    double h_sum = 0;
    for (std::size_t r = begin; r < end; ++r) {
      g_sum += g[static_cast<std::size_t>(rows[r])];
      h_sum += h[static_cast<std::size_t>(rows[r])];
    }
    const auto count = static_cast<std::int64_t>(end - begin);
    int best_feature = -1;
    int best_bin = -1;
    if (!hist.empty()) {
      const double parent = g_sum * g_sum / (h_sum + options.lambda);
      double best_gain = 1e-12 * (1.0 + std::abs(parent));
      for (std::size_t j = 0; j + 1 < offset.size(); ++j) {
        const std::size_t n_bins = offset[j + 1] - offset[j];
        if (n_bins < 2) continue;
        const Bin* hj = hist.data() + offset[j];
        Bin left;
        for (std::size_t b = 0; b + 1 < n_bins; ++b) {
          // An empty bin repeats the previous partition, which already had its turn.
          if (hj[b].count == 0) continue;
          left.g += hj[b].g;
          left.h += hj[b].h;
          left.count += hj[b].count;
          if (left.count < min_leaf) continue;
          if (count - left.count < min_leaf) break;
          const double g_right = g_sum - left.g;
          const double h_right = h_sum - left.h;
          const double gain = left.g * left.g / (left.h + options.lambda) +
                              g_right * g_right / (h_right + options.lambda) - parent;
          if (gain > best_gain) {
            best_gain = gain;
            best_feature = static_cast<int>(j);
            best_bin = static_cast<int>(b);
          }
        }
      }
    }
    if (best_feature < 0) {
      const double value = -options.learning_rate * g_sum / (h_sum + options.lambda);
      model.value[abs_node] = value;
      for (std::size_t r = begin; r < end; ++r) {
        score[static_cast<std::int64_t>(rows[r]) * stride] += value;
      }
      return node;
    }
    // Stable partition through the scratch buffer: left rows keep their order, then right.
    const std::uint8_t* codes = bins.codes.data() + static_cast<std::int64_t>(best_feature) * n;
    std::size_t split = begin;
    buffer.clear();
    for (std::size_t r = begin; r < end; ++r) {
      const std::int32_t i = rows[r];
      if (codes[i] <= best_bin) {
        rows[split++] = i;
      } else {
        buffer.push_back(i);
      }
    }
    std::copy(buffer.begin(), buffer.end(), rows.begin() + static_cast<std::ptrdiff_t>(split));
    model.feature[abs_node] = best_feature;
    model.threshold[abs_node] =
        bins.cuts[static_cast<std::size_t>(best_feature)][static_cast<std::size_t>(best_bin)];
    const bool need_left = splittable(split - begin, depth + 1);
    const bool need_right = splittable(end - split, depth + 1);
    std::vector<Bin> hist_left;
    std::vector<Bin> hist_right;
    if (need_left && need_right) {
      const bool left_smaller = split - begin <= end - split;
      std::vector<Bin> small = left_smaller ? histogram(begin, split) : histogram(split, end);
      for (std::size_t b = 0; b < hist.size(); ++b) {
        hist[b].g -= small[b].g;
        hist[b].h -= small[b].h;
        hist[b].count -= small[b].count;
      }
      if (left_smaller) {
        hist_left = std::move(small);
        hist_right = std::move(hist);
      } else {
        hist_left = std::move(hist);
        hist_right = std::move(small);
      }
    } else if (need_left) {
      hist_left = histogram(begin, split);
    } else if (need_right) {
      hist_right = histogram(split, end);
    }
    const std::int32_t l = grow(begin, split, depth + 1, std::move(hist_left), score, stride);
    const std::int32_t r = grow(split, end, depth + 1, std::move(hist_right), score, stride);
    model.left[abs_node] = l;
    model.right[abs_node] = r;
    return node;
  }
};

}  // namespace

void BoostedTrees::predict_row(const double* x_row, double* out) const noexcept {
  const auto k = static_cast<std::size_t>(n_outputs);
  for (std::size_t c = 0; c < k; ++c) out[c] = base_score[c];
  for (std::size_t t = 0; t < roots.size(); ++t) {
    const std::int64_t root = roots[t];
    std::int64_t node = root;
    while (feature[static_cast<std::size_t>(node)] >= 0) {
      const auto u = static_cast<std::size_t>(node);
      node = root + (x_row[feature[u]] >= threshold[u] ? right[u] : left[u]);
    }
    out[t % k] += value[static_cast<std::size_t>(node)];
  }
}

void BoostedTrees::validate() const {
  const std::size_t nodes = feature.size();
  SCMFORGE_CHECK(
      n_features >= 0 && n_outputs >= 1 && base_score.size() == static_cast<std::size_t>(n_outputs),
      InvalidInput, "boosted trees: {} base scores for {} outputs", base_score.size(), n_outputs);
  SCMFORGE_CHECK(threshold.size() == nodes && left.size() == nodes && right.size() == nodes &&
                     value.size() == nodes,
                 InvalidInput, "boosted trees: node arrays of different lengths");
  for (std::size_t t = 0; t < roots.size(); ++t) {
    const std::int64_t root = roots[t];
    const std::int64_t end = t + 1 < roots.size() ? roots[t + 1] : static_cast<std::int64_t>(nodes);
    SCMFORGE_CHECK(root >= 0 && root < end && end <= static_cast<std::int64_t>(nodes), InvalidInput,
                   "boosted trees: tree {} has an invalid node range", t);
    for (std::int64_t u = root; u < end; ++u) {
      const auto s = static_cast<std::size_t>(u);
      if (feature[s] < 0) continue;
      const std::int64_t rel = u - root;
      SCMFORGE_CHECK(feature[s] < n_features && left[s] > rel && right[s] > rel &&
                         root + left[s] < end && root + right[s] < end,
                     InvalidInput, "boosted trees: node {} of tree {} is malformed", rel, t);
    }
  }
}

BoostedTrees fit_boosted(std::span<const double> x, std::int64_t n, std::int32_t p,
                         std::span<const double> y, BoostingLoss loss, std::int32_t n_classes,
                         const BoostingOptions& options) {
  SCMFORGE_CHECK(n >= 1 && p >= 0 && x.size() == static_cast<std::size_t>(n * p) &&
                     y.size() == static_cast<std::size_t>(n),
                 InvalidInput, "fit_boosted: x has {} values and y {} for n = {}, p = {}", x.size(),
                 y.size(), n, p);
  SCMFORGE_CHECK(options.max_bins >= 2 && options.max_bins <= 255, InvalidInput,
                 "max_bins must be in [2, 255], got {}", options.max_bins);
  SCMFORGE_CHECK(options.n_rounds >= 0 && options.max_depth >= 0 && options.learning_rate > 0 &&
                     options.lambda >= 0,
                 InvalidInput,
                 "boosting options: n_rounds {} and max_depth {} must be >= 0, learning_rate {} "
                 "> 0, lambda {} >= 0",
                 options.n_rounds, options.max_depth, options.learning_rate, options.lambda);
  BoostedTrees model;
  model.loss = loss;
  model.n_features = p;
  const int k = loss == BoostingLoss::kSoftmax ? n_classes : 1;
  SCMFORGE_CHECK(loss != BoostingLoss::kSoftmax || n_classes >= 2, InvalidInput,
                 "fit_boosted: softmax needs >= 2 classes, got {}", n_classes);
  model.n_outputs = k;
  const auto nn = static_cast<std::size_t>(n);
  if (loss == BoostingLoss::kSquaredError) {
    model.base_score = {std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n)};
  } else {
    std::vector<double> counts(static_cast<std::size_t>(k), 0.0);
    for (double v : y) counts[static_cast<std::size_t>(v)] += 1.0;
    for (double c : counts) {
      // A class absent from this fold keeps a small prior instead of log(0).
      model.base_score.push_back(std::log(std::max(c, 0.5) / static_cast<double>(n)));
    }
  }
  const Binned bins = bin_features(x, n, p, options.max_bins);
  std::vector<double> score(nn * static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < nn; ++i) {
    for (int c = 0; c < k; ++c) score[i * k + c] = model.base_score[static_cast<std::size_t>(c)];
  }
  std::vector<double> g(nn);
  std::vector<double> h(nn);
  std::vector<double> prob(nn * static_cast<std::size_t>(k));
  std::vector<std::int32_t> rows(nn);
  TreeGrower grower{bins,  n,    g,  h, options, std::max<std::int64_t>(options.min_leaf, 1),
                    model, rows, {}, {}};
  grower.offset.push_back(0);
  for (const auto& cut : bins.cuts) grower.offset.push_back(grower.offset.back() + cut.size() + 1);
  for (int round = 0; round < options.n_rounds; ++round) {
    if (loss == BoostingLoss::kSoftmax) {
      for (std::size_t i = 0; i < nn; ++i) {
        const double* s = score.data() + i * k;
        const double top = *std::max_element(s, s + k);
        double total = 0;
        for (int c = 0; c < k; ++c) total += prob[i * k + c] = std::exp(s[c] - top);
        for (int c = 0; c < k; ++c) prob[i * k + c] /= total;
      }
    }
    for (int c = 0; c < k; ++c) {
      for (std::size_t i = 0; i < nn; ++i) {
        if (loss == BoostingLoss::kSquaredError) {
          g[i] = score[i] - y[i];
          h[i] = 1.0;
        } else {
          const double pc = prob[i * k + c];
          g[i] = pc - (static_cast<int>(y[i]) == c ? 1.0 : 0.0);
          h[i] = std::max(pc * (1.0 - pc), 1e-16);
        }
      }
      std::iota(rows.begin(), rows.end(), 0);
      model.roots.push_back(static_cast<std::int64_t>(model.feature.size()));
      std::vector<Bin> root;
      if (grower.splittable(nn, 0)) root = grower.histogram(0, nn);
      grower.grow(0, nn, 0, std::move(root), score.data() + c, k);
    }
  }
  return model;
}

namespace {

std::int32_t tree_depth(const BoostedTrees& m, std::int64_t root, std::int64_t node) {
  const auto u = static_cast<std::size_t>(node);
  if (m.feature[u] < 0) return 0;
  return 1 +
         std::max(tree_depth(m, root, root + m.left[u]), tree_depth(m, root, root + m.right[u]));
}

// Writes the subtree of `node` at heap position `slot` (level `level`) of tree `t`.
void fill_flat(const BoostedTrees& m, std::int64_t root, std::int64_t node, std::size_t slot,
               std::int32_t level, std::size_t t, FlatTrees& f) {
  const std::size_t internal = (std::size_t{1} << f.depth) - 1;
  const auto u = static_cast<std::size_t>(node);
  if (level == f.depth) {
    f.leaf[t * (internal + 1) + (slot - internal)] = m.value[u];
    return;
  }
  const bool leaf = m.feature[u] < 0;
  f.feature[t * internal + slot] = leaf ? 0 : m.feature[u];
  f.threshold[t * internal + slot] = leaf ? 0.0 : m.threshold[u];
  fill_flat(m, root, leaf ? node : root + m.left[u], 2 * slot + 1, level + 1, t, f);
  fill_flat(m, root, leaf ? node : root + m.right[u], 2 * slot + 2, level + 1, t, f);
}

}  // namespace

FlatTrees flatten(const BoostedTrees& m) {
  FlatTrees f;
  f.n_outputs = m.n_outputs;
  for (std::int64_t root : m.roots) f.depth = std::max(f.depth, tree_depth(m, root, root));
  const std::size_t internal = (std::size_t{1} << f.depth) - 1;
  const std::size_t trees = m.roots.size();
  f.feature.assign(trees * internal, 0);
  f.threshold.assign(trees * internal, 0.0);
  f.leaf.assign(trees * (internal + 1), 0.0);
  for (std::size_t t = 0; t < trees; ++t) fill_flat(m, m.roots[t], m.roots[t], 0, 0, t, f);
  return f;
}

void FlatTrees::add_block(const double* x, std::int64_t rows, std::int64_t stride,
                          std::int64_t first, std::int64_t last, double* out) const noexcept {
  const auto k = static_cast<std::size_t>(n_outputs);
  const auto n = static_cast<std::size_t>(rows);
  const std::size_t internal = (std::size_t{1} << depth) - 1;
  for (auto t = static_cast<std::size_t>(first); t < static_cast<std::size_t>(last); ++t) {
    const std::int32_t* feat = feature.data() + t * internal;
    const double* thr = threshold.data() + t * internal;
    const double* val = leaf.data() + t * (internal + 1);
    double* o = out + t % k;
    // Eight rows at a time: eight independent traversals keep the core's pipelines busy.
    constexpr std::size_t kLanes = 8;
    std::size_t r = 0;
    for (; r + kLanes <= n; r += kLanes) {
      std::size_t idx[kLanes] = {};
      for (std::int32_t level = 0; level < depth; ++level) {
        for (std::size_t l = 0; l < kLanes; ++l) {
          const double v = x[static_cast<std::int64_t>(feat[idx[l]]) * stride +
                             static_cast<std::int64_t>(r + l)];
          idx[l] = 2 * idx[l] + 1 + static_cast<std::size_t>(v >= thr[idx[l]]);
        }
      }
      for (std::size_t l = 0; l < kLanes; ++l) o[(r + l) * k] += val[idx[l] - internal];
    }
    for (; r < n; ++r) {
      std::size_t idx = 0;
      for (std::int32_t level = 0; level < depth; ++level) {
        const double v =
            x[static_cast<std::int64_t>(feat[idx]) * stride + static_cast<std::int64_t>(r)];
        idx = 2 * idx + 1 + static_cast<std::size_t>(v >= thr[idx]);
      }
      o[r * k] += val[idx - internal];
    }
  }
}

namespace {

using Cuts = std::vector<std::vector<double>>;

// Adds the thresholds of the tree at `root` to `cuts` (unsorted, with repeats).
void collect_cuts(const BoostedTrees& m, std::size_t tree, Cuts& cuts) {
  const std::size_t end =
      tree + 1 < m.roots.size() ? static_cast<std::size_t>(m.roots[tree + 1]) : m.feature.size();
  for (auto u = static_cast<std::size_t>(m.roots[tree]); u < end; ++u) {
    if (m.feature[u] >= 0) cuts[static_cast<std::size_t>(m.feature[u])].push_back(m.threshold[u]);
  }
}

void sort_unique(Cuts& cuts) {
  for (auto& c : cuts) {
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
  }
}

// Cells of a table over `cuts` with k values each (saturating at `cap` + 1).
std::int64_t cells_of(const Cuts& cuts, std::int64_t k, std::int64_t cap) {
  std::int64_t cells = k;
  for (const auto& c : cuts) {
    cells *= static_cast<std::int64_t>(c.size()) + 1;
    if (cells > cap) return cap + 1;
  }
  return cells;
}

// A table under construction: the rank of a value among a listed feature's segment cuts is
// its coordinate; `stride[i]` is the cell step of listed feature i.
struct TableBuilder {
  const BoostedTrees& m;
  const Cuts& seg;                 // the segment's cuts per feature
  std::vector<std::int32_t> slot;  // feature -> listed position, -1 when unlisted
  std::vector<std::int64_t> stride;
  std::vector<std::int64_t> dims;
  std::vector<std::int64_t> lo, hi;  // the current box
  std::vector<double>& cells;
  std::int64_t k;

  void add_box(std::size_t i, std::int64_t base, std::int64_t output, double v) {
    if (i == dims.size()) {
      cells[static_cast<std::size_t>(base * k + output)] += v;
      return;
    }
    for (std::int64_t c = lo[i]; c < hi[i]; ++c) add_box(i + 1, base + c * stride[i], output, v);
  }

  // Adds every leaf of the subtree at `node` to the cells of its box.
  void add_tree(std::int64_t root, std::int64_t node, std::int64_t output) {
    const auto u = static_cast<std::size_t>(node);
    if (m.feature[u] < 0) {
      add_box(0, 0, output, m.value[u]);
      return;
    }
    const auto f = static_cast<std::size_t>(m.feature[u]);
    const auto i = static_cast<std::size_t>(slot[f]);
    // x >= threshold  <=>  rank among the segment's cuts > the threshold's index.
    const auto at = static_cast<std::int64_t>(
        std::lower_bound(seg[f].begin(), seg[f].end(), m.threshold[u]) - seg[f].begin() + 1);
    const std::int64_t old_lo = lo[i];
    const std::int64_t old_hi = hi[i];
    hi[i] = std::min(old_hi, at);
    if (lo[i] < hi[i]) add_tree(root, root + m.left[u], output);
    hi[i] = old_hi;
    lo[i] = std::max(old_lo, at);
    if (lo[i] < hi[i]) add_tree(root, root + m.right[u], output);
    lo[i] = old_lo;
  }
};

// The table of trees [first, last) whose cuts per feature are `seg`, addressed by ranks among
// the ensemble's `all` cuts.
CompiledTrees::Segment make_table(const BoostedTrees& m, const Cuts& all, const Cuts& seg,
                                  std::int64_t first, std::int64_t last) {
  CompiledTrees::Segment s;
  s.first_tree = first;
  s.last_tree = last;
  const std::int64_t k = m.n_outputs;
  std::vector<std::int32_t> slot(seg.size(), -1);
  std::vector<std::int64_t> stride, dims;
  std::int64_t cells = 1;
  for (std::size_t f = 0; f < seg.size(); ++f) {
    if (seg[f].empty()) continue;
    slot[f] = static_cast<std::int32_t>(s.features.size());
    s.features.push_back(static_cast<std::int32_t>(f));
    stride.push_back(cells);
    dims.push_back(static_cast<std::int64_t>(seg[f].size()) + 1);
    cells *= dims.back();
    // The cell offset of each global rank: the count of the segment's cuts <= the global cut
    // just below it.
    std::vector<std::int32_t> off(all[f].size() + 1, 0);
    std::size_t below = 0;
    for (std::size_t r = 1; r <= all[f].size(); ++r) {
      while (below < seg[f].size() && seg[f][below] <= all[f][r - 1]) ++below;
      off[r] = static_cast<std::int32_t>(static_cast<std::int64_t>(below) * stride.back());
    }
    s.offsets.push_back(std::move(off));
  }
  s.cells.assign(static_cast<std::size_t>(cells * k), 0.0);
  TableBuilder b{m,    seg,     slot, stride, dims, std::vector<std::int64_t>(dims.size(), 0),
                 dims, s.cells, k};
  for (std::int64_t t = first; t < last; ++t) b.add_tree(m.roots[t], m.roots[t], t % k);
  return s;
}

}  // namespace

CompiledTrees compile(const BoostedTrees& m, std::int64_t max_table_cells,
                      std::int64_t max_total_cells) {
  CompiledTrees c;
  c.n_outputs = m.n_outputs;
  c.base_score = m.base_score;
  c.flat = flatten(m);
  const auto p = static_cast<std::size_t>(m.n_features);
  const std::int64_t k = m.n_outputs;
  const auto trees = static_cast<std::int64_t>(m.roots.size());
  c.cuts.assign(p, {});
  for (std::int64_t t = 0; t < trees; ++t) collect_cuts(m, static_cast<std::size_t>(t), c.cuts);
  sort_unique(c.cuts);
  // Greedy: extend the current table by whole rounds while it fits.
  std::int64_t total = 0;
  Cuts seg(p);
  std::int64_t first = 0;
  const auto close = [&](std::int64_t last, bool table) {
    if (first == last) return;
    if (table) {
      c.segments.push_back(make_table(m, c.cuts, seg, first, last));
      total += static_cast<std::int64_t>(c.segments.back().cells.size());
    } else if (!c.segments.empty() && c.segments.back().cells.empty() &&
               c.segments.back().last_tree == first) {
      c.segments.back().last_tree = last;
    } else {
      c.segments.push_back({first, last, {}, {}, {}});
    }
    first = last;
    seg.assign(p, {});
  };
  for (std::int64_t t = 0; t < trees; t += k) {
    Cuts grown = seg;
    for (std::int64_t u = t; u < t + k; ++u) collect_cuts(m, static_cast<std::size_t>(u), grown);
    sort_unique(grown);
    const std::int64_t room = std::min(max_table_cells, max_total_cells - total);
    if (cells_of(grown, k, room) <= room) {
      seg = std::move(grown);
      continue;
    }
    close(t, true);  // the table so far, then this round alone
    Cuts alone(p);
    for (std::int64_t u = t; u < t + k; ++u) collect_cuts(m, static_cast<std::size_t>(u), alone);
    sort_unique(alone);
    const std::int64_t left = std::min(max_table_cells, max_total_cells - total);
    if (cells_of(alone, k, left) <= left) {
      seg = std::move(alone);
    } else {
      close(t + k, false);
    }
  }
  close(trees, true);
  std::vector<bool> read(p, false);
  for (const auto& s : c.segments) {
    for (std::int32_t f : s.features) read[static_cast<std::size_t>(f)] = true;
  }
  for (std::size_t f = 0; f < p; ++f) {
    if (read[f]) c.ranked.push_back(static_cast<std::int32_t>(f));
  }
  return c;
}

std::int64_t CompiledTrees::table_cells() const noexcept {
  std::int64_t cells = 0;
  for (const auto& s : segments) cells += static_cast<std::int64_t>(s.cells.size());
  return cells;
}

void CompiledTrees::predict_block(const double* x, std::int64_t rows, std::int64_t stride,
                                  double* out) const {
  const auto k = static_cast<std::size_t>(n_outputs);
  const auto n = static_cast<std::size_t>(rows);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < k; ++c) out[r * k + c] = base_score[c];
  }
  // Ranks: the count of a feature's cuts <= x (branch-free binary search). NaN ranks 0 and so
  // goes left, as in a walk.
  std::vector<std::uint32_t> rank(ranked.size() * n);
  std::vector<std::int32_t> slot(cuts.size(), -1);
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const auto f = static_cast<std::size_t>(ranked[i]);
    slot[f] = static_cast<std::int32_t>(i);
    const double* cut = cuts[f].data();
    const std::size_t m = cuts[f].size();
    const double* col = x + static_cast<std::int64_t>(f) * stride;
    std::uint32_t* rk = rank.data() + i * n;
    for (std::size_t r = 0; r < n; ++r) {
      const double v = col[r];
      std::size_t base = 0;
      for (std::size_t len = m; len > 1; len -= len / 2) {
        base += cut[base + len / 2] <= v ? len / 2 : 0;
      }
      rk[r] = static_cast<std::uint32_t>(base + static_cast<std::size_t>(cut[base] <= v));
    }
  }
  std::vector<std::int64_t> cell(n);
  for (const auto& s : segments) {
    if (s.cells.empty()) {
      flat.add_block(x, rows, stride, s.first_tree, s.last_tree, out);
      continue;
    }
    std::fill(cell.begin(), cell.end(), 0);
    for (std::size_t i = 0; i < s.features.size(); ++i) {
      const std::int32_t* off = s.offsets[i].data();
      const std::uint32_t* rk =
          rank.data() + static_cast<std::size_t>(slot[static_cast<std::size_t>(s.features[i])]) * n;
      for (std::size_t r = 0; r < n; ++r) cell[r] += off[rk[r]];
    }
    for (std::size_t r = 0; r < n; ++r) {
      const double* v = s.cells.data() + static_cast<std::size_t>(cell[r]) * k;
      for (std::size_t c = 0; c < k; ++c) out[r * k + c] += v[c];
    }
  }
}

}  // namespace scmforge::scm
