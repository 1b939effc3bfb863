// scmforge/prior/config.hpp: the prior's configuration, its parameter table, presets and overrides.
//
// One table (`prior_parameters()`) lists every key with its type, range and documentation. It
// drives validation, JSON / TOML / `key=value` overrides, the CLI's `--set` flags, the Python
// keyword arguments and the table in docs/prior.md, so a key has exactly one name everywhere.
//
// Families. `family` picks whose hyperparameter meta-distributions and post-processing are used:
//   "tabpfn"  TabPFN v1 (automl/TabPFN
//   priors/{mlp,fast_gp,flexible_categorical,differentiable_prior}):
//             activations {tanh, identity, relu}, FlexibleCategorical post-processing with soft
//             outlier compression, normalisation by used features, one class count per group.
//   "tabicl"  TabICL (soda-inria/tabicl prior/{_mlp_scm,_tree_scm,_reg2cls,_hp_sampling}):
//             the long activation list, hard outlier clamping, one class count per dataset.
// Mixture. Each hyperparameter group draws its SCM type ("mlp", "tree" or "gp"): with
// `mix = "prior_bag"` as TabPFN's prior bag (GP vs MLP with weights softmax([1, w]),
// w ~ U(2, 10) per meta group); with `mix = "fixed"` from the weights mlp_weight / tree_weight /
// gp_weight.
// Groups. Datasets are numbered 0, 1, 2, ... (the id is also their RNG stream). Datasets
// i with the same i / meta_group_size share one draw of the meta-hyperparameters; those with the
// same i / hp_group_size share the concrete hyperparameter values (TabPFN's sub-batch, TabICL's
// group); those with the same i / split_group_size share single_eval_pos (so a trainer batch of
// that size has one train/test split, as nanoTabPFN's loader requires). None of these depends on
// thread count or batch size.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace scmforge::prior {

/// Every knob of the prior. Defaults are the `tabicl` preset's; see presets().
struct PriorConfig {
  std::string preset = "tabicl";  // name of the preset these values started from (informational)
  std::string family = "tabicl";  // "tabpfn" or "tabicl"
  std::string mix = "fixed";      // "fixed" or "prior_bag"
  double mlp_weight = 0.7;
  double tree_weight = 0.3;
  double gp_weight = 0.0;

  std::int32_t n_rows = 1024;     // rows per dataset (train + test)
  std::int32_t min_features = 2;  // features drawn per group, uniform in [min, max]
  std::int32_t max_features = 100;
  std::int32_t max_classes = 10;    // classes per dataset are 2..max_classes
  double binary_prob = 0.5;         // P(a dataset is made binary before its class count is drawn)
  double train_fraction_min = 0.1;  // single_eval_pos = floor(n_rows * U(min, max))
  double train_fraction_max = 0.9;

  std::int32_t meta_group_size = 4;
  std::int32_t hp_group_size = 4;
  std::int32_t split_group_size = 32;

  std::string is_causal = "false";  // "true", "false" or "sample" (meta_choice)
  std::string sampling = "sample";  // root causes: "normal", "mixed", "uniform" or "sample"
  double categorical_prob = 0.2;    // P(a dataset gets categorical features)
  std::int32_t max_categories = 0;  // cap on levels of a categorical feature; 0 = no cap
  double missing_rate = 0.0;        // MCAR share of feature cells set to NaN
  bool remove_constant_features = true;
  bool permute_features = true;
  std::int32_t max_attempts = 100;  // draws per dataset before its hyperparameters are redrawn
};

/// Kind of a parameter's value.
enum class ParamType { kInt, kDouble, kBool, kString };

/// One row of the parameter table.
struct ParamSpec {
  std::string_view name;
  ParamType type;
  std::string_view doc;
  double min = 0;  // for kInt / kDouble: inclusive range
  double max = 0;
  std::vector<std::string_view> choices;  // for kString: allowed values
};

/// The parameter table, in documentation order.
const std::vector<ParamSpec>& prior_parameters();

/// Names of the presets: "tabpfn-v1", "tabicl", "metatree", "nanotabpfn".
std::vector<std::string> preset_names();

/// The configuration of a preset; throws InvalidInput naming the known presets otherwise.
PriorConfig preset(std::string_view name);

/// Sets `key` from its textual value ("12", "0.5", "true", "mlp"): throws InvalidInput for an
/// unknown key (naming the closest known ones), an unparsable value or one out of range.
void set_parameter(PriorConfig& config, std::string_view key, std::string_view value);

/// Applies overrides from a JSON object or TOML document (flat keys, optionally under a
/// [prior] table). `origin` names the source in error messages (a file path or "<string>").
void apply_json(PriorConfig& config, std::string_view text, std::string_view origin);
void apply_toml(PriorConfig& config, std::string_view text, std::string_view origin);

/// Reads a .json or .toml file (by extension) and applies it.
void apply_config_file(PriorConfig& config, const std::string& path);

/// Checks cross-key constraints (impossible combinations); throws InvalidInput naming the keys.
void validate(const PriorConfig& config);

/// The configuration as a JSON object (every key, in table order): recorded in every output.
std::string to_json(const PriorConfig& config);

/// The value of one key as text (as set_parameter would accept it).
std::string get_parameter(const PriorConfig& config, std::string_view key);

}  // namespace scmforge::prior
