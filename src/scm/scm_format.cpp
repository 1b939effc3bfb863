// src/scm/scm_format.cpp: the versioned .scm file format (JSON header + binary arrays + CRC-32).
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "scmforge/core/error.hpp"
#include "scmforge/io/file.hpp"
#include "scmforge/scm/scm.hpp"

namespace scmforge::scm {

static_assert(std::endian::native == std::endian::little,
              "the .scm payload is little-endian; add byte swapping for this platform");

namespace {

using Json = nlohmann::json;
constexpr std::string_view kMagic = "scmforge-scm";

std::uint32_t crc32_of(std::string_view a, std::string_view b) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::string_view part : {a, b}) {
    for (std::size_t at = 0; at < part.size(); at += 1U << 30) {
      const std::size_t len = std::min<std::size_t>(part.size() - at, 1U << 30);
      crc = crc32(crc, reinterpret_cast<const Bytef*>(part.data() + at), static_cast<uInt>(len));
    }
  }
  return static_cast<std::uint32_t>(crc);
}

// Appends arrays to the payload and describes them in the header.
struct PayloadWriter {
  std::string bytes;

  template <typename T>
  Json add(const std::vector<T>& v, std::string_view dtype) {
    Json ref = {{"offset", bytes.size()}, {"count", v.size()}, {"dtype", dtype}};
    bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    return ref;
  }
};

// Reads arrays described in the header back from the payload, checking bounds and dtypes.
struct PayloadReader {
  std::string_view bytes;
  std::string_view name;

  template <typename T>
  std::vector<T> get(const Json& ref, std::string_view dtype) const {
    SCMFORGE_CHECK(ref.is_object() && ref.value("dtype", "") == dtype, InvalidInput,
                   "{}: array reference {} is not of dtype {}", name, ref.dump(), dtype);
    const auto offset = ref.at("offset").get<std::uint64_t>();
    const auto count = ref.at("count").get<std::uint64_t>();
    SCMFORGE_CHECK(offset <= bytes.size() && count <= (bytes.size() - offset) / sizeof(T),
                   InvalidInput, "{}: array at byte {} with {} values runs past the payload", name,
                   offset, count);
    std::vector<T> v(count);
    if (count > 0) std::memcpy(v.data(), bytes.data() + offset, count * sizeof(T));
    return v;
  }
};

Json number(double v) { return std::isnan(v) ? Json() : Json(v); }
double number_of(const Json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

Json options_json(const FitOptions& o) {
  return {{"mechanisms", mechanism_choice_name(o.mechanisms)},
          {"missing", missing_policy_name(o.missing)},
          {"smoothing", o.smoothing},
          {"ridge_alpha", o.ridge_alpha},
          {"logistic_l2", o.logistic_l2},
          {"boosting",
           {{"n_rounds", o.boosting.n_rounds},
            {"max_depth", o.boosting.max_depth},
            {"learning_rate", o.boosting.learning_rate},
            {"lambda", o.boosting.lambda},
            {"min_leaf", o.boosting.min_leaf},
            {"max_bins", o.boosting.max_bins}}},
          {"cv_folds", o.cv_folds},
          {"cv_max_rows", o.cv_max_rows},
          {"clip_to_range", o.clip_to_range},
          {"round_to_precision", o.round_to_precision},
          {"seed", o.seed}};  // threads: a run setting, not part of the model
}

FitOptions options_of(const Json& j) {
  FitOptions o;
  o.mechanisms = parse_mechanism_choice(j.at("mechanisms").get<std::string>());
  o.missing = parse_missing_policy(j.at("missing").get<std::string>());
  o.smoothing = j.at("smoothing").get<double>();
  o.ridge_alpha = j.at("ridge_alpha").get<double>();
  o.logistic_l2 = j.at("logistic_l2").get<double>();
  const Json& b = j.at("boosting");
  o.boosting.n_rounds = b.at("n_rounds").get<std::int32_t>();
  o.boosting.max_depth = b.at("max_depth").get<std::int32_t>();
  o.boosting.learning_rate = b.at("learning_rate").get<double>();
  o.boosting.lambda = b.at("lambda").get<double>();
  o.boosting.min_leaf = b.at("min_leaf").get<std::int64_t>();
  o.boosting.max_bins = b.at("max_bins").get<std::int32_t>();
  o.cv_folds = j.at("cv_folds").get<std::int32_t>();
  o.cv_max_rows = j.at("cv_max_rows").get<std::int64_t>();
  o.clip_to_range = j.at("clip_to_range").get<bool>();
  o.round_to_precision = j.at("round_to_precision").get<bool>();
  o.seed = j.at("seed").get<std::uint64_t>();
  return o;
}

}  // namespace

struct ScmAccess {
  static std::string to_bytes(const Scm& s) {
    PayloadWriter w;
    Json columns = Json::array();
    for (std::size_t j = 0; j < s.columns_.size(); ++j) {
      const ColumnInfo& c = s.columns_[j];
      const ColumnRange& r = s.ranges_[j];
      columns.push_back({{"name", c.name},
                         {"kind", c.kind == ColumnKind::kCategorical ? "categorical" : "numeric"},
                         {"n_levels", c.n_levels},
                         {"levels", c.levels},
                         {"min", r.min},
                         {"max", r.max},
                         {"decimals", r.decimals},
                         {"imputed", s.imputed_[j]}});
    }
    Json nodes = Json::array();
    for (const Mechanism& m : s.mechanisms_) {
      Json node = {{"kind", mechanism_name(m.kind, m.categorical)},
                   {"categorical", m.categorical},
                   {"parents", m.parents},
                   {"parent_levels", m.parent_levels},
                   {"classes", m.classes},
                   {"bandwidth", m.bandwidth},
                   {"constant", m.constant},
                   {"cv_linear", number(m.cv_linear)},
                   {"cv_boosted", number(m.cv_boosted)},
                   {"values", w.add(m.values, "f64")},
                   {"cdf", w.add(m.cdf, "f64")}};
      if (m.kind == MechanismKind::kLinear) {
        node["linear"] = {{"n_features", m.linear.n_features},
                          {"n_outputs", m.linear.n_outputs},
                          {"weights", w.add(m.linear.weights, "f64")},
                          {"intercept", w.add(m.linear.intercept, "f64")}};
      }
      if (m.kind == MechanismKind::kBoosted) {
        const BoostedTrees& b = m.boosted;
        node["boosted"] = {{"loss", b.loss == BoostingLoss::kSoftmax ? "softmax" : "squared_error"},
                           {"n_features", b.n_features},
                           {"n_outputs", b.n_outputs},
                           {"base_score", w.add(b.base_score, "f64")},
                           {"roots", w.add(b.roots, "i64")},
                           {"feature", w.add(b.feature, "i32")},
                           {"threshold", w.add(b.threshold, "f64")},
                           {"left", w.add(b.left, "i32")},
                           {"right", w.add(b.right, "i32")},
                           {"value", w.add(b.value, "f64")}};
      }
      nodes.push_back(std::move(node));
    }
    const Json header = {{"format", kMagic},
                         {"version", kFormatVersion},
                         {"scmforge_version", SCMFORGE_VERSION},
                         {"rows_fitted", s.rows_fitted_},
                         {"options", options_json(s.options_)},
                         {"columns", columns},
                         {"order", s.order_},
                         {"metadata", s.metadata_.empty() ? Json() : Json::parse(s.metadata_)},
                         {"nodes", nodes}};
    const std::string text = header.dump();
    return fmt::format("{} {}\n{} {} {:08x}\n", kMagic, kFormatVersion, text.size(), w.bytes.size(),
                       crc32_of(text, w.bytes)) +
           text + w.bytes;
  }

  static Scm from_bytes(std::string_view bytes, std::string_view name) {
    const auto line1 = bytes.find('\n');
    SCMFORGE_CHECK(line1 != std::string_view::npos && bytes.substr(0, kMagic.size()) == kMagic,
                   InvalidInput, "{}: not a scmforge SCM file (no '{}' first line)", name, kMagic);
    int version = 0;
    const std::string first(bytes.substr(kMagic.size(), line1 - kMagic.size()));
    SCMFORGE_CHECK(std::sscanf(first.c_str(), " %d", &version) == 1, InvalidInput,
                   "{}: unreadable format version in '{}'", name, bytes.substr(0, line1));
    SCMFORGE_CHECK(version >= 1 && version <= kFormatVersion, InvalidInput,
                   "{}: format version {} is not supported by this build (reads 1..{}); "
                   "upgrade scmforge",
                   name, version, kFormatVersion);
    const auto line2 = bytes.find('\n', line1 + 1);
    SCMFORGE_CHECK(line2 != std::string_view::npos, InvalidInput,
                   "{}: truncated (the size line is missing)", name);
    unsigned long long header_size = 0;
    unsigned long long payload_size = 0;
    unsigned int crc = 0;
    const std::string second(bytes.substr(line1 + 1, line2 - line1 - 1));
    SCMFORGE_CHECK(
        std::sscanf(second.c_str(), "%llu %llu %x", &header_size, &payload_size, &crc) == 3,
        InvalidInput, "{}: unreadable size line '{}'", name, second);
    const std::string_view rest = bytes.substr(line2 + 1);
    SCMFORGE_CHECK(header_size <= rest.size() && payload_size == rest.size() - header_size,
                   InvalidInput,
                   "{}: the file is truncated or padded: {} bytes follow the size line, the size "
                   "line says {}",
                   name, rest.size(), header_size + payload_size);
    const std::string_view text = rest.substr(0, header_size);
    const std::string_view payload = rest.substr(header_size);
    SCMFORGE_CHECK(crc32_of(text, payload) == crc, InvalidInput,
                   "{}: checksum mismatch (file says {:08x}, contents give {:08x}): the file "
                   "was altered or damaged",
                   name, crc, crc32_of(text, payload));
    try {
      return parse(Json::parse(text), PayloadReader{payload, name}, name);
    } catch (const Json::exception& e) {
      SCMFORGE_THROW(InvalidInput, "{}: malformed header: {}", name, e.what());
    }
  }

  static Scm parse(const Json& h, const PayloadReader& r, std::string_view name) {
    Scm s;
    s.options_ = options_of(h.at("options"));
    s.rows_fitted_ = h.at("rows_fitted").get<std::int64_t>();
    if (const Json& meta = h.at("metadata"); !meta.is_null()) s.metadata_ = meta.dump();
    for (const Json& c : h.at("columns")) {
      ColumnInfo info;
      info.name = c.at("name").get<std::string>();
      info.kind = c.at("kind").get<std::string>() == "categorical" ? ColumnKind::kCategorical
                                                                   : ColumnKind::kNumeric;
      info.n_levels = c.at("n_levels").get<std::int32_t>();
      info.levels = c.at("levels").get<std::vector<std::string>>();
      SCMFORGE_CHECK((info.kind == ColumnKind::kCategorical) == (info.n_levels > 0) &&
                         (info.levels.empty() ||
                          info.levels.size() == static_cast<std::size_t>(info.n_levels)),
                     InvalidInput, "{}: column '{}' has inconsistent levels", name, info.name);
      s.columns_.push_back(std::move(info));
      s.ranges_.push_back({c.at("min").get<double>(), c.at("max").get<double>(),
                           c.at("decimals").get<std::int32_t>()});
      s.imputed_.push_back(c.at("imputed").get<std::int64_t>());
      SCMFORGE_CHECK(s.ranges_.back().decimals >= -1 && s.ranges_.back().decimals <= 6,
                     InvalidInput, "{}: column '{}' has invalid decimals", name,
                     s.columns_.back().name);
    }
    const std::size_t d = s.columns_.size();
    s.order_ = h.at("order").get<std::vector<std::int32_t>>();
    const auto& nodes = h.at("nodes");
    SCMFORGE_CHECK(d >= 1 && nodes.size() == d && s.order_.size() == d, InvalidInput,
                   "{}: {} columns, {} nodes, {} in the order", name, d, nodes.size(),
                   s.order_.size());
    for (const Json& n : nodes) {
      Mechanism m;
      const auto kind = n.at("kind").get<std::string>();
      m.categorical = n.at("categorical").get<bool>();
      if (kind == "empirical") {
        m.kind = MechanismKind::kEmpirical;
      } else if (kind == "ridge" || kind == "logistic") {
        m.kind = MechanismKind::kLinear;
      } else if (kind == "boosted_regressor" || kind == "boosted_classifier") {
        m.kind = MechanismKind::kBoosted;
      } else if (kind == "constant") {
        m.kind = MechanismKind::kConstant;
      } else {
        SCMFORGE_THROW(InvalidInput, "{}: unknown mechanism '{}'", name, kind);
      }
      m.parents = n.at("parents").get<std::vector<std::int32_t>>();
      m.parent_levels = n.at("parent_levels").get<std::vector<std::int32_t>>();
      m.classes = n.at("classes").get<std::vector<std::int32_t>>();
      m.bandwidth = n.at("bandwidth").get<double>();
      m.constant = n.at("constant").get<double>();
      m.cv_linear = number_of(n.at("cv_linear"));
      m.cv_boosted = number_of(n.at("cv_boosted"));
      m.values = r.get<double>(n.at("values"), "f64");
      m.cdf = r.get<double>(n.at("cdf"), "f64");
      if (m.kind == MechanismKind::kLinear) {
        const Json& l = n.at("linear");
        m.linear.n_features = l.at("n_features").get<std::int32_t>();
        m.linear.n_outputs = l.at("n_outputs").get<std::int32_t>();
        m.linear.weights = r.get<double>(l.at("weights"), "f64");
        m.linear.intercept = r.get<double>(l.at("intercept"), "f64");
      }
      if (m.kind == MechanismKind::kBoosted) {
        const Json& b = n.at("boosted");
        m.boosted.loss = b.at("loss").get<std::string>() == "softmax" ? BoostingLoss::kSoftmax
                                                                      : BoostingLoss::kSquaredError;
        m.boosted.n_features = b.at("n_features").get<std::int32_t>();
        m.boosted.n_outputs = b.at("n_outputs").get<std::int32_t>();
        m.boosted.base_score = r.get<double>(b.at("base_score"), "f64");
        m.boosted.roots = r.get<std::int64_t>(b.at("roots"), "i64");
        m.boosted.feature = r.get<std::int32_t>(b.at("feature"), "i32");
        m.boosted.threshold = r.get<double>(b.at("threshold"), "f64");
        m.boosted.left = r.get<std::int32_t>(b.at("left"), "i32");
        m.boosted.right = r.get<std::int32_t>(b.at("right"), "i32");
        m.boosted.value = r.get<double>(b.at("value"), "f64");
      }
      s.mechanisms_.push_back(std::move(m));
    }
    // Structure: every parent index valid with matching levels, the order topological.
    std::vector<int> position(d, -1);
    for (std::size_t i = 0; i < d; ++i) {
      const std::int32_t j = s.order_[i];
      SCMFORGE_CHECK(j >= 0 && static_cast<std::size_t>(j) < d && position[j] < 0, InvalidInput,
                     "{}: the node order is not a permutation of the columns", name);
      position[j] = static_cast<int>(i);
    }
    for (std::size_t j = 0; j < d; ++j) {
      const Mechanism& m = s.mechanisms_[j];
      try {
        m.validate(s.columns_[j].n_levels);
        if (m.kind == MechanismKind::kBoosted) s.mechanisms_[j].compiled = compile(m.boosted);
      } catch (const InvalidInput& e) {
        SCMFORGE_THROW(InvalidInput, "{}: node '{}': {}", name, s.columns_[j].name, e.what());
      }
      for (std::size_t i = 0; i < m.parents.size(); ++i) {
        const std::int32_t p = m.parents[i];
        SCMFORGE_CHECK(p >= 0 && static_cast<std::size_t>(p) < d && position[p] < position[j] &&
                           m.parent_levels[i] == s.columns_[p].n_levels,
                       InvalidInput, "{}: node '{}' has an invalid parent {}", name,
                       s.columns_[j].name, p);
      }
    }
    return s;
  }
};

std::string Scm::to_bytes() const { return ScmAccess::to_bytes(*this); }

Scm Scm::from_bytes(std::string_view bytes, std::string_view name) {
  return ScmAccess::from_bytes(bytes, name);
}

void Scm::save(const std::string& path) const { io::write_file_atomically(path, to_bytes()); }

Scm Scm::load(const std::string& path) { return from_bytes(io::read_file(path), path); }

}  // namespace scmforge::scm
