// shadectl: etcdctl-compatible command line client for shadekv.
#include <iostream>
#include <string>
#include <vector>

#include "agent/ctl/ctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = shadekv::ctl::RunShadectl(args, std::cin, std::cout, std::cerr);
  std::cout.flush();
  return code;
}
