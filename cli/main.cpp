// cli/main.cpp: the scmforge command: subcommand dispatch and the one error-to-exit-code mapping.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "scmforge/core/error.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"scmforge: synthetic tabular tasks from structural causal models"};
  app.set_version_flag("--version", SCMFORGE_VERSION);
  app.require_subcommand(1);
  scmforge::cli::add_prior_commands(app);
  scmforge::cli::add_tree_commands(app);
  scmforge::cli::add_corpus_commands(app);
  scmforge::cli::add_causal_commands(app);
  scmforge::cli::add_scm_commands(app);
  scmforge::cli::add_model_commands(app);
  scmforge::cli::add_augment_command(app);
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "error: {}\nRun with --help for usage.\n", e.what());
    return 2;
  } catch (const scmforge::InvalidInput& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  } catch (const scmforge::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: internal failure: {}\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {
    std::fputs("error: internal failure\n", stderr);
    return 1;
  }
}
