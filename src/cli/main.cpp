// nba: the Next Best Action engine, one binary with subcommands.
#include <cstdio>

#include "cli/blas_setup.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  nba::cli::SelectBlasKernels(argv);
  CLI::App app{"nba: a Next Best Action engine (SASRec) for web shops"};
  app.require_subcommand(1);
  nba::cli::AddImportCommand(app);
  nba::cli::AddGenerateCommand(app);
  nba::cli::AddTrainCommand(app);
  nba::cli::AddEvalCommand(app);
  nba::cli::AddModelsCommand(app);
  nba::cli::AddServeCommand(app);
  nba::cli::AddDemoCommand(app);
  nba::cli::AddDatasetCommand(app);
  nba::cli::AddConsumeCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, like every other error of nba.
    std::fprintf(stderr, "nba: %s (see nba --help)\n", e.what());
    return e.get_exit_code();
  } catch (const nba::cli::CommandFailed& e) {
    std::fprintf(stderr, "nba: %s\n", e.what());
    return e.exit_code;
  }
  return 0;
}
