// Runs a tool (shadectl) as a real child process with a deadline, capturing
// its exit code, stdout and stderr. The child is SIGKILLed by its PID when
// the deadline passes (exit code -1 then).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace shadekv::restore_testing {

struct ToolResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

ToolResult RunTool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace shadekv::restore_testing
