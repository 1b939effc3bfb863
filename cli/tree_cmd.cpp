// cli/tree_cmd.cpp: `scmforge tree fit | predict | show` over CSV files and tree JSON.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "commands.hpp"
#include "scmforge/core/error.hpp"
#include "scmforge/io/csv.hpp"
#include "scmforge/io/file.hpp"
#include "scmforge/tree/cart.hpp"
#include "scmforge/tree/optimal.hpp"
#include "scmforge/tree/tree.hpp"

namespace scmforge::cli {
namespace {

struct FitOptions {
  std::string data;
  std::string target;
  std::string algo = "cart";
  std::int32_t depth = 3;
  std::string criterion = "gini";
  std::int64_t min_samples_leaf = 1;
  double time_limit = 0.0;
  std::int32_t max_thresholds = 0;
  double leaf_penalty = 0.0;
  int threads = 1;
  std::string out;
};

struct PredictOptions {
  std::string tree;
  std::string data;
  std::string out;
  std::string target;
  bool proba = false;
};

struct ShowOptions {
  std::string tree;
  bool dot = false;
  int decimals = 2;
};

// Column-major float32 copy of a float64 table (what the tree builders read).
std::vector<float> to_float32(const Table<double>& table) {
  std::vector<float> x(table.values.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(table.values[i]);
  return x;
}

double accuracy(const tree::Tree& t, const tree::DataView& view,
                const std::vector<std::int32_t>& y) {
  std::vector<std::int32_t> pred(static_cast<std::size_t>(view.n));
  t.predict_class(view, pred);
  std::int64_t right = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) right += pred[i] == y[i] ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(pred.size());
}

void run_fit(const FitOptions& o) {
  SCMFORGE_CHECK(o.algo == "cart" || o.algo == "optimal", InvalidInput,
                 "--algo must be 'cart' or 'optimal', got '{}'", o.algo);
  SCMFORGE_CHECK(o.depth >= 1, InvalidInput, "--depth must be >= 1, got {}", o.depth);
  SCMFORGE_CHECK(o.time_limit >= 0.0, InvalidInput, "--time-limit must be >= 0 seconds, got {}",
                 o.time_limit);
  io::CsvOptions csv;
  if (!o.target.empty()) csv.target = o.target;
  const LabeledTable table = io::read_labeled_csv(o.data, csv);
  const auto& features = table.features;
  const std::vector<float> x = to_float32(features);
  std::vector<std::int32_t> levels;
  for (const auto& c : features.columns) levels.push_back(c.n_levels);
  const tree::DataView view{features.n, features.d(), x.data(), levels};
  const tree::TrainingSet data{view, table.y, static_cast<std::int32_t>(table.class_names.size()),
                               {},   {},      {}};
  tree::Tree fitted;
  std::string summary;
  if (o.algo == "cart") {
    tree::CartOptions options;
    SCMFORGE_CHECK(o.criterion == "gini" || o.criterion == "entropy", InvalidInput,
                   "--criterion must be 'gini' or 'entropy', got '{}'", o.criterion);
    options.criterion = o.criterion == "gini" ? tree::Criterion::kGini : tree::Criterion::kEntropy;
    options.max_depth = o.depth;
    options.min_samples_leaf = o.min_samples_leaf;
    fitted = tree::fit_cart(data, options);
  } else {
    tree::OptimalOptions options;
    options.max_depth = o.depth;
    options.min_samples_leaf = o.min_samples_leaf;
    options.time_limit = o.time_limit;
    options.max_thresholds = o.max_thresholds;
    options.leaf_penalty = o.leaf_penalty;
    options.threads = o.threads;
    tree::OptimalResult result = tree::fit_optimal(data, options);
    summary =
        fmt::format("; objective {:.6g}, lower bound {:.6g} ({}), {:.2f}s", result.objective,
                    result.lower_bound,
                    result.optimal ? "proven optimal" : "time limit reached, not proven optimal",
                    result.seconds);
    fitted = std::move(result.tree);
  }
  fitted.features = features.columns;
  fitted.class_names = table.class_names;
  io::write_file_atomically(o.out, tree::to_json(fitted));
  fmt::print(
      "fitted {} tree on {} rows x {} features ({} classes): depth {}, {} leaves, training "
      "accuracy {:.4f}{}\nwrote {}\n",
      o.algo, features.n, features.d(), table.class_names.size(), fitted.depth(),
      fitted.leaf_count(), accuracy(fitted, view, table.y), summary, o.out);
}

// The value of a categorical tree column for one table cell: the tree's level code, or NaN
// when the cell is missing or holds a level the tree never saw.
float tree_level(const ColumnInfo& tree_column, const ColumnInfo& table_column, double cell) {
  if (std::isnan(cell)) return std::numeric_limits<float>::quiet_NaN();
  const std::string label = table_column.kind == ColumnKind::kCategorical
                                ? table_column.levels[static_cast<std::size_t>(cell)]
                                : fmt::format("{}", cell);
  for (std::size_t c = 0; c < tree_column.levels.size(); ++c) {
    if (tree_column.levels[c] == label) return static_cast<float>(c);
  }
  return std::numeric_limits<float>::quiet_NaN();
}

// The table's columns in the tree's feature order, encoded as at fit time (column-major).
std::vector<float> encode_for_tree(const Table<double>& table, const tree::Tree& t,
                                   const std::string& path) {
  SCMFORGE_CHECK(!t.features.empty(), InvalidInput,
                 "the tree has no column names, so CSV columns cannot be matched to it");
  const auto n = static_cast<std::size_t>(table.n);
  std::vector<float> x(n * t.features.size());
  for (std::size_t j = 0; j < t.features.size(); ++j) {
    const ColumnInfo& want = t.features[j];
    std::int64_t found = -1;
    for (std::int64_t c = 0; c < table.d(); ++c) {
      if (table.columns[static_cast<std::size_t>(c)].name == want.name) found = c;
    }
    SCMFORGE_CHECK(found >= 0, InvalidInput,
                   "{}: the tree needs column '{}', which the file does not have", path, want.name);
    const ColumnInfo& have = table.columns[static_cast<std::size_t>(found)];
    const auto column = table.column(found);
    if (want.kind == ColumnKind::kCategorical) {
      for (std::size_t i = 0; i < n; ++i) x[j * n + i] = tree_level(want, have, column[i]);
      continue;
    }
    SCMFORGE_CHECK(have.kind == ColumnKind::kNumeric, InvalidInput,
                   "{}: column '{}' holds text (e.g. '{}') but was numeric when the tree was "
                   "fitted; fix the values or refit",
                   path, want.name, have.levels.empty() ? "" : have.levels.front());
    for (std::size_t i = 0; i < n; ++i) x[j * n + i] = static_cast<float>(column[i]);
  }
  return x;
}

void run_predict(const PredictOptions& o) {
  const tree::Tree t = tree::from_json(io::read_file(o.tree));
  const Table<double> table = io::read_csv_table(o.data);
  const std::vector<float> x = encode_for_tree(table, t, o.data);
  const tree::DataView view{table.n, static_cast<std::int64_t>(t.features.size()), x.data(), {}};
  const bool classify = t.task == tree::TreeTask::kClassification;
  Table<double> out;
  out.n = table.n;
  std::vector<double> values(static_cast<std::size_t>(table.n) *
                             static_cast<std::size_t>(t.n_outputs));
  t.predict_values(view, values);
  const auto k = static_cast<std::size_t>(t.n_outputs);
  const auto n = static_cast<std::size_t>(table.n);
  ColumnInfo prediction{"prediction", ColumnKind::kNumeric, 0, {}};
  std::vector<double> predicted(n);
  if (classify) {
    std::vector<std::int32_t> codes(n);
    t.predict_class(view, codes);
    prediction.kind = ColumnKind::kCategorical;
    prediction.n_levels = t.n_outputs;
    for (std::size_t c = 0; c < k; ++c)
      prediction.levels.push_back(t.class_names.empty() ? std::to_string(c) : t.class_names[c]);
    for (std::size_t i = 0; i < n; ++i) predicted[i] = codes[i];
  } else {
    for (std::size_t i = 0; i < n; ++i) predicted[i] = values[i];
  }
  out.columns.push_back(prediction);
  out.values = predicted;
  if (classify && o.proba) {
    for (std::size_t c = 0; c < k; ++c) {
      out.columns.push_back(
          ColumnInfo{"proba_" + prediction.levels[c], ColumnKind::kNumeric, 0, {}});
      for (std::size_t i = 0; i < n; ++i) out.values.push_back(values[i * k + c]);
    }
  }
  io::write_csv(o.out, out);
  std::string report;
  if (!o.target.empty()) {
    SCMFORGE_CHECK(classify, InvalidInput, "--target reports accuracy, which needs a classifier");
    std::int64_t col = -1;
    for (std::int64_t c = 0; c < table.d(); ++c)
      if (table.columns[static_cast<std::size_t>(c)].name == o.target) col = c;
    SCMFORGE_CHECK(col >= 0, InvalidInput, "{}: no column named '{}' (--target)", o.data, o.target);
    const ColumnInfo& info = table.columns[static_cast<std::size_t>(col)];
    std::int64_t right = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double cell = table.column(col)[i];
      const std::string label = std::isnan(cell) ? std::string()
                                : info.kind == ColumnKind::kCategorical
                                    ? info.levels[static_cast<std::size_t>(cell)]
                                    : fmt::format("{}", cell);
      right += label == prediction.levels[static_cast<std::size_t>(predicted[i])] ? 1 : 0;
    }
    report = fmt::format("; accuracy {:.4f} against '{}'",
                         static_cast<double>(right) / static_cast<double>(n), o.target);
  }
  fmt::print("predicted {} rows{}\nwrote {}\n", n, report, o.out);
}

void run_show(const ShowOptions& o) {
  const tree::Tree t = tree::from_json(io::read_file(o.tree));
  fmt::print("{}", o.dot ? tree::to_dot(t) : tree::to_text(t, o.decimals));
}

}  // namespace

void add_tree_commands(CLI::App& app) {
  CLI::App* tree_app = app.add_subcommand("tree", "Fit, apply and inspect decision trees");
  tree_app->require_subcommand(1);

  auto fit = std::make_shared<FitOptions>();
  CLI::App* fit_cmd = tree_app->add_subcommand(
      "fit", "Fit a CART or provably optimal tree on a CSV file; prints the training accuracy");
  fit_cmd
      ->add_option("data", fit->data,
                   "CSV file (plain or gzip); the target is the last "
                   "column unless --target names it")
      ->required();
  fit_cmd->add_option("--target", fit->target, "Name of the target column");
  fit_cmd->add_option("--algo", fit->algo, "cart or optimal")->capture_default_str();
  fit_cmd->add_option("--depth", fit->depth, "Maximum depth (>= 1)")->capture_default_str();
  fit_cmd->add_option("--criterion", fit->criterion, "CART impurity: gini or entropy")
      ->capture_default_str();
  fit_cmd->add_option("--min-samples-leaf", fit->min_samples_leaf, "Minimum rows per leaf")
      ->capture_default_str();
  fit_cmd
      ->add_option("--time-limit", fit->time_limit,
                   "Optimal: seconds before returning the best tree so far (0 = none)")
      ->capture_default_str();
  fit_cmd
      ->add_option("--max-thresholds", fit->max_thresholds,
                   "Optimal: cap candidate thresholds per numeric column at this many "
                   "quantiles (0 = every midpoint)")
      ->capture_default_str();
  fit_cmd
      ->add_option("--leaf-penalty", fit->leaf_penalty,
                   "Optimal: cost per leaf as a share of the rows (GOSDT's lambda)")
      ->capture_default_str();
  fit_cmd->add_option("--threads", fit->threads, "Optimal: threads (0 = all cores)")
      ->capture_default_str();
  fit_cmd->add_option("--out", fit->out, "Tree JSON to write")->required();
  fit_cmd->callback([fit] { run_fit(*fit); });

  auto predict = std::make_shared<PredictOptions>();
  CLI::App* predict_cmd =
      tree_app->add_subcommand("predict", "Apply a tree JSON to a CSV file (columns by name)");
  predict_cmd->add_option("tree", predict->tree, "Tree JSON from `tree fit`")->required();
  predict_cmd->add_option("data", predict->data, "CSV file with the tree's columns")->required();
  predict_cmd->add_option("--out", predict->out, "CSV of predictions to write")->required();
  predict_cmd->add_flag("--proba", predict->proba, "Also write class probabilities");
  predict_cmd->add_option("--target", predict->target,
                          "A column of true labels: print the accuracy against it");
  predict_cmd->callback([predict] { run_predict(*predict); });

  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_cmd = tree_app->add_subcommand("show", "Print a tree JSON as text or DOT");
  show_cmd->add_option("tree", show->tree, "Tree JSON")->required();
  show_cmd->add_flag("--dot", show->dot, "Graphviz DOT instead of text");
  show_cmd->add_option("--decimals", show->decimals, "Digits of thresholds in the text")
      ->capture_default_str();
  show_cmd->callback([show] { run_show(*show); });
}

}  // namespace scmforge::cli
