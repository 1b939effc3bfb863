// cli/models_cmd.cpp: the commands run by Python drivers: `scmforge train metatree|tfm`,
// `scmforge eval metatree|causalmixft`, `scmforge finetune tfm` (PyTorch) and `scmforge augment`
// (CausalMix).
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "python_module.hpp"

namespace scmforge::cli {
namespace {

// `scmforge <verb> <model> ARGS...` runs `python -m scmforge.models <verb> <model> ARGS...`: the
// options are the Python driver's own (its --help lists them), so they are passed through
// unparsed.
void add_passthrough(CLI::App* parent, const std::string& verb, const std::string& model,
                     const std::string& description) {
  CLI::App* sub = parent->add_subcommand(model, description);
  sub->prefix_command();
  sub->set_help_flag();  // --help goes to the Python driver
  sub->callback([sub, verb, model] {
    std::vector<std::string> args{verb, model};
    for (const std::string& arg : sub->remaining()) args.push_back(arg);
    run_python_module("scmforge.models", args,
                      "install the Python package with PyTorch (pip install 'scmforge[torch]')");
  });
}

}  // namespace

void add_model_commands(CLI::App& app) {
  CLI::App* train = app.add_subcommand("train", "Train models on scmforge's synthetic data");
  train->require_subcommand(1);
  add_passthrough(train, "train", "metatree",
                  "Pre-train MetaTree on the corpus, streamed or from a folder (--help: options)");
  add_passthrough(
      train, "train", "tfm",
      "Pre-train the tabular foundation model on the prior, streamed (--help: options)");
  CLI::App* eval = app.add_subcommand("eval", "Evaluate trained models on real datasets");
  eval->require_subcommand(1);
  add_passthrough(eval, "eval", "metatree",
                  "MetaTree vs CART and optimal trees on the shared datasets (--help: options)");
  add_passthrough(eval, "eval", "causalmixft",
                  "The CausalMixFT fine-tuning protocol on the shared datasets (--help: options)");
  CLI::App* finetune =
      app.add_subcommand("finetune", "Fine-tune a pre-trained model on one real table");
  finetune->require_subcommand(1);
  add_passthrough(finetune, "finetune", "tfm",
                  "Fine-tune the TFM, optionally with CausalMix or other synthetic rows (--help)");
}

void add_augment_command(CLI::App& app) {
  // `scmforge augment ARGS...` runs `python -m scmforge.augment ARGS...` (its --help lists them).
  CLI::App* sub = app.add_subcommand(
      "augment", "CausalMix: synthetic rows of a CSV table from a learned causal model (--help)");
  sub->prefix_command();
  sub->set_help_flag();
  sub->callback([sub] {
    run_python_module("scmforge.augment", sub->remaining(),
                      "install the Python package with pandas (pip install scmforge pandas)");
  });
}

}  // namespace scmforge::cli
