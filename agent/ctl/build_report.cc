// Shared flag reading and reporting of the data dir builders (see header).
#include "agent/ctl/build_report.h"

#include <Poco/JSON/Object.h>

#include <cstdio>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {
namespace {

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Status ParseRevisionBump(const ParsedFlags& flags, int64_t* bump, bool* mark_compacted) {
  *bump = 0;
  if (flags.Has("bump-revision")) {
    Result<int64_t> parsed = ParseGoInt64(flags.Get("bump-revision"), 10);
    if (!parsed.ok() || *parsed < 0) {
      return Status::InvalidArgument("--bump-revision must be a number >= 0");
    }
    *bump = *parsed;
  }
  *mark_compacted = flags.GetBool("mark-compacted");
  if (*mark_compacted && *bump == 0) {
    return Status::InvalidArgument("--mark-compacted needs --bump-revision N (N > 0)");
  }
  return Status::Ok();
}

void PrintBuiltDataDir(CommandEnv& env, const std::string& data_dir, const std::string& token,
                       const restore::BuiltDataDir& built, const char* what) {
  if (env.print.format == OutputFormat::kJson) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("data_dir", data_dir);
    o->set("member_id", Hex(built.member_id));
    o->set("cluster_id", Hex(built.cluster_id));
    o->set("revision", built.revision);
    o->set("compact_revision", built.compact_revision);
    o->set("raft_index", built.raft_index);
    o->set("members", static_cast<uint64_t>(built.members));
    o->set("token", token);
    env.out << Stringify(o) << "\n";
    return;
  }
  std::string start = "shadekv";
  for (const std::string& f : built.start_flags) start += " " + f;
  env.out << what << " " << data_dir << ": revision " << built.revision << " (compacted at "
          << built.compact_revision << "), member " << Hex(built.member_id) << " of new cluster "
          << Hex(built.cluster_id) << " (" << built.members << " member"
          << (built.members == 1 ? "" : "s") << ")\n"
          << "start it with: " << start << "\n";
}

}  // namespace shadekv::ctl
