// shadectl check hash: the corruption check an operator runs by hand, against
// members and shadows alike (both serve /v3/maintenance/hashkv).
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "agent/ctl/check_commands.h"
#include "agent/ctl/go_format.h"
#include "agent/ctl/json_util.h"
#include "agent/maintenance/hash_comparison.h"

namespace shadekv::ctl {
namespace {

// A compaction on one endpoint can overtake the revision picked; a few
// fresh rounds are enough for any cluster that is not compacting constantly.
constexpr int kMaxRounds = 5;
constexpr std::chrono::milliseconds kRoundPause{300};

struct EndpointHash {
  std::string endpoint;
  int64_t current_revision = 0;
  int64_t compact_revision = 0;
  uint32_t hash = 0;
};

Result<EndpointHash> HashAt(CommandEnv& env, const std::string& endpoint, int64_t revision) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  if (revision != 0) body->set("revision", std::to_string(revision));
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.CallEndpoint(endpoint, "/v3/maintenance/hashkv", body);
  if (!resp.ok()) {
    return Status(resp.status().code(), endpoint + ": " + resp.status().message());
  }
  EndpointHash out;
  out.endpoint = endpoint;
  out.current_revision = GetInt64(GetObject(*resp, "header"), "revision");
  out.compact_revision = GetInt64(*resp, "compact_revision");
  out.hash = static_cast<uint32_t>(GetUint64(*resp, "hash"));
  return out;
}

bool IsCompacted(const Status& s) {
  return s.message().find("required revision has been compacted") != std::string::npos;
}

// One round: the lowest current revision, then every hash at it.
Result<std::vector<EndpointHash>> HashRound(CommandEnv& env,
                                            const std::vector<std::string>& endpoints,
                                            int64_t* common) {
  int64_t lowest = 0;
  for (const std::string& ep : endpoints) {
    SHADEKV_ASSIGN_OR_RETURN(EndpointHash now, HashAt(env, ep, 0));
    lowest = lowest == 0 ? now.current_revision : std::min(lowest, now.current_revision);
  }
  *common = lowest;
  std::vector<EndpointHash> hashes;
  for (const std::string& ep : endpoints) {
    SHADEKV_ASSIGN_OR_RETURN(EndpointHash h, HashAt(env, ep, lowest));
    hashes.push_back(h);
  }
  return hashes;
}

std::string JsonReport(int64_t revision, const std::vector<EndpointHash>& hashes,
                       const std::vector<bool>& ok, bool consistent) {
  std::string out = "{\"revision\":" + std::to_string(revision) +
                    ",\"consistent\":" + (consistent ? "true" : "false") + ",\"endpoints\":[";
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"endpoint\":" + GoJsonQuote(hashes[i].endpoint) +
           ",\"compact_revision\":" + std::to_string(hashes[i].compact_revision) +
           ",\"hash\":" + std::to_string(hashes[i].hash) + ",\"status\":\"" +
           (ok[i] ? "OK" : "MISMATCH") + "\"}";
  }
  return out + "]}\n";
}

}  // namespace

int RunCheckHash(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("check hash takes no arguments; give --endpoints A,B"));
  }
  const std::vector<std::string>& endpoints = env.client.options().endpoints;
  if (endpoints.size() < 2) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("check hash needs at least two endpoints "
                                        "(--endpoints A,B[,C...])"));
  }
  int64_t revision = 0;
  Result<std::vector<EndpointHash>> hashes = Status::Unknown("no round ran");
  for (int round = 0; round < kMaxRounds; ++round) {
    hashes = HashRound(env, endpoints, &revision);
    if (hashes.ok() || !IsCompacted(hashes.status())) break;
    std::this_thread::sleep_for(kRoundPause);
  }
  if (!hashes.ok() && IsCompacted(hashes.status())) {
    return Fail(env, kExitError,
                Status(hashes.status().code(),
                       hashes.status().message() + " (revision " + std::to_string(revision) +
                           " in " + std::to_string(kMaxRounds) +
                           " tries: an endpoint lags behind another's compaction; retry once "
                           "it caught up)"));
  }
  if (!hashes.ok()) return Fail(env, kExitError, hashes.status());

  std::vector<maintenance::HashReport> reports;
  for (size_t i = 0; i < hashes->size(); ++i) {
    const EndpointHash& h = (*hashes)[i];
    reports.push_back({i, h.endpoint, revision, h.compact_revision, h.hash});
  }
  // The live-keyspace hash does not depend on retained history, so a shadow
  // with a longer history compares with a member as is.
  maintenance::HashVerdict verdict = maintenance::CompareHashes(reports, 0, false);
  std::vector<bool> ok(hashes->size(), true);
  for (uint64_t suspect : verdict.suspects) ok[suspect] = false;

  if (env.print.format == OutputFormat::kJson) {
    env.out << JsonReport(revision, *hashes, ok, verdict.consistent);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < hashes->size(); ++i) {
      const EndpointHash& h = (*hashes)[i];
      rows.push_back({h.endpoint, std::to_string(revision), std::to_string(h.compact_revision),
                      std::to_string(h.hash), ok[i] ? "OK" : "MISMATCH"});
    }
    env.out << RenderTable({"ENDPOINT", "REVISION", "COMPACT REVISION", "HASH", "STATUS"}, rows);
  }
  env.out << std::flush;
  if (!verdict.consistent) return Fail(env, kExitError, Status::DataLoss(verdict.detail));
  return kExitSuccess;
}

}  // namespace shadekv::ctl
