// What `snapshot restore` and `shadow fork|promote` share: reading the
// revision bump flags and reporting the data dir they built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/ctl/commands.h"
#include "agent/ctl/flags.h"
#include "agent/restore/data_dir_builder.h"

namespace shadekv::ctl {

// "a,b,,c" -> {a, b, c}.
std::vector<std::string> SplitCommas(const std::string& text);

// --bump-revision N (N >= 0) and --mark-compacted (needs N > 0), etcd
// 3.5.10's flags. InvalidArgument naming the flag.
Status ParseRevisionBump(const ParsedFlags& flags, int64_t* bump, bool* mark_compacted);

// One line of what was built and the `shadekv` command line to start it
// (simple), or the same facts as a JSON object (-w json).
void PrintBuiltDataDir(CommandEnv& env, const std::string& data_dir, const std::string& token,
                       const restore::BuiltDataDir& built, const char* what);

}  // namespace shadekv::ctl
