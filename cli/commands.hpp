// cli/commands.hpp: registration of the scmforge subcommands (one function per module).
#pragma once

#include <CLI/CLI.hpp>

namespace scmforge::cli {

/// Adds `scmforge prior ...` (sample, describe, params) to the app.
void add_prior_commands(CLI::App& app);

/// Adds `scmforge tree ...` (fit, predict, show) to the app.
void add_tree_commands(CLI::App& app);

/// Adds `scmforge corpus ...` (build, stats, verify) to the app.
void add_corpus_commands(CLI::App& app);

/// Adds `scmforge causal pc` to the app.
void add_causal_commands(CLI::App& app);

/// Adds `scmforge scm ...` (fit, sample, show) to the app.
void add_scm_commands(CLI::App& app);

/// Adds `scmforge train metatree|tfm`, `scmforge eval metatree|causalmixft` and `scmforge
/// finetune tfm` (Python drivers) to the app.
void add_model_commands(CLI::App& app);

/// `scmforge augment`: CausalMix synthetic rows of a CSV table (the Python driver).
void add_augment_command(CLI::App& app);

}  // namespace scmforge::cli
