// audit verify|query: thin command-line faces of plugins/audit's verifier,
// line parser and query filter.
#include "agent/ctl/audit_commands.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "plugins/audit/audit_line.h"
#include "plugins/audit/audit_query.h"
#include "plugins/audit/audit_record.h"
#include "plugins/audit/audit_verifier.h"

namespace shadekv::ctl {
namespace {

constexpr uint64_t kProgressThreshold = 16u << 20;

std::string MiB(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

std::vector<FlagSpec> AuditVerifyFlagSpecs() {
  return {{"start-after", 0, FlagKind::kString}, {"anchor", 0, FlagKind::kString}};
}

std::vector<FlagSpec> AuditFlagSpecs() {
  std::vector<FlagSpec> all = AuditVerifyFlagSpecs();
  for (FlagSpec& f : AuditQueryFlagSpecs()) all.push_back(std::move(f));
  return all;
}

std::vector<FlagSpec> AuditQueryFlagSpecs() {
  return {{"prefix", 0, FlagKind::kString},
          {"user", 0, FlagKind::kString},
          {"since", 0, FlagKind::kString},
          {"until", 0, FlagKind::kString}};
}

bool IsAuditCommandLine(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return i + 1 < args.size() && args[i + 1] == "audit";
    if (a.empty() || a[0] != '-') return a == "audit";
    // Global flags that take a separate value: skip that value too.
    if (a == "-w" || a == "--write-out" || a == "--endpoints" || a == "--command-timeout" ||
        a == "--dial-timeout" || a == "--cacert" || a == "--cert" || a == "--key") {
      ++i;
    }
  }
  return false;
}

int RunAuditVerify(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("audit verify needs the log files, oldest first"));
  }
  audit::VerifyOptions options;
  for (const char* name : {"start-after", "anchor"}) {
    if (!flags.Has(name)) continue;
    Result<audit::VerifyAnchor> anchor = audit::ParseVerifyAnchor(flags.Get(name));
    if (!anchor.ok()) {
      return Fail(env, kExitBadArgs, anchor.status().WithContext(std::string("--") + name));
    }
    (std::string(name) == "anchor" ? options.expect : options.start_after) = *anchor;
  }
  const bool show_progress = &env.err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
  bool progress_shown = false;
  options.progress = [&](uint64_t done, uint64_t total) {
    if (!show_progress || total < kProgressThreshold) return;
    env.err << "\rverifying: " << (done * 100 / total) << "% (" << MiB(done) << " of " << MiB(total)
            << ")" << std::flush;
    progress_shown = true;
  };
  Result<audit::VerifyReport> report = audit::VerifyAuditFiles(flags.positionals, options);
  if (progress_shown) env.err << "\n";
  if (!report.ok()) return Fail(env, kExitError, report.status());
  if (report->ok()) {
    env.out << "OK: " << report->records << " records, last seq " << report->last_seq
            << ", last hash " << report->last_hash << "\n";
    return kExitSuccess;
  }
  env.out << "FAILED: " << report->problem->ToString() << "\n"
          << "(" << report->records << " valid records before it, last valid seq "
          << report->last_seq << ", hash " << report->last_hash << ")\n";
  return kExitError;
}

int RunAuditQuery(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("audit query needs the log files, oldest first"));
  }
  if (env.print.format == OutputFormat::kTable)
    return Fail(env, kExitBadFeature, TableUnsupported());
  audit::AuditQuery query;
  if (flags.Has("prefix")) query.prefix = flags.Get("prefix");
  if (flags.Has("user")) query.user = flags.Get("user");
  for (const char* name : {"since", "until"}) {
    if (!flags.Has(name)) continue;
    Result<int64_t> t = audit::ParseTimeArgument(flags.Get(name));
    if (!t.ok()) return Fail(env, kExitBadArgs, t.status().WithContext(std::string("--") + name));
    (std::string(name) == "since" ? query.since_ms : query.until_ms) = *t;
  }
  for (const std::string& file : flags.positionals) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(env, kExitError, Status::NotFound("cannot read audit log " + file));
    std::string line;
    for (uint64_t line_no = 1; std::getline(in, line); ++line_no) {
      const std::string where = file + ":" + std::to_string(line_no);
      if (in.eof()) {
        return Fail(
            env, kExitError,
            Status::DataLoss(where + ": truncated (no newline); run shadectl audit verify"));
      }
      Result<audit::LoggedRecord> record = audit::ParseLoggedLine(line);
      Result<audit::RecordView> view =
          record.ok() ? audit::ViewRecord(*record) : Result<audit::RecordView>(record.status());
      if (!view.ok()) {
        return Fail(env, kExitError,
                    Status::DataLoss(where + ": not an audit record (" + view.status().message() +
                                     "); run shadectl audit verify"));
      }
      if (!audit::Matches(query, *view)) continue;
      env.out << (env.print.format == OutputFormat::kJson ? line : audit::FormatSimple(*record))
              << "\n";
    }
  }
  return kExitSuccess;
}

}  // namespace shadekv::ctl
