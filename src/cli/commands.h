// The `nba` subcommands. Each Add*Command registers one subcommand (its flags
// and its callback) on the root app; main.cpp only lists them.
#pragma once

#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "core/status.h"

namespace nba::cli {

// Thrown by a command callback to end the program with one line on stderr.
struct CommandFailed : std::runtime_error {
  CommandFailed(const std::string& msg, int code) : std::runtime_error(msg), exit_code(code) {}
  int exit_code;
};

// Ends the command with exit code 1 and Status's message when `s` is an error.
inline void CheckOk(const Status& s) {
  if (!s.ok()) throw CommandFailed(s.message(), 1);
}

void AddImportCommand(CLI::App& app);    // import_command.cpp
void AddGenerateCommand(CLI::App& app);  // generate_command.cpp
void AddTrainCommand(CLI::App& app);     // train_command.cpp
void AddEvalCommand(CLI::App& app);      // eval_command.cpp
void AddModelsCommand(CLI::App& app);    // models_command.cpp
void AddServeCommand(CLI::App& app);     // serve_command.cpp
void AddDemoCommand(CLI::App& app);      // demo_command.cpp
void AddDatasetCommand(CLI::App& app);   // dataset_command.cpp
void AddConsumeCommand(CLI::App& app);   // consume_command.cpp

}  // namespace nba::cli
