// Helpers shared by the audit tests: records and bus messages that vary by
// index, whole-file reads and writes, and a log written by the real writer.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plugins/audit/audit_record.h"
#include "plugins/audit/audit_writer.h"
#include "shadekv/bus/messages.h"

namespace shadekv::audit::testing {

inline const std::vector<std::string> kUsers = {"alice", "bob", "carol"};

// Record i: users rotate, times are one second apart from a fixed instant
// (2026-01-01T00:00:00Z), keys under /config/ or /secret/.
inline AuditRecord TestRecord(int i) {
  AuditRecord r;
  r.kind = i % 3 == 2 ? "request" : "event";
  r.time_ms = 1767225600000 + static_cast<int64_t>(i) * 1000;
  r.revision = i + 2;
  r.member_id = 0x8e9e05c52164694dull;
  r.request_id = static_cast<uint64_t>(1000 + i);
  r.user = kUsers[static_cast<size_t>(i) % kUsers.size()];
  r.client_address = "127.0.0.1:" + std::to_string(40000 + i);
  std::string key = (i % 4 == 0 ? "/secret/k" : "/config/k") + std::to_string(i);
  if (r.kind == "event") {
    AuditChange c;
    c.type = "PUT";
    c.key = key;
    c.value_size = 5;
    c.value_sha256 = std::string(64, 'a');
    r.changes.push_back(c);
  } else {
    r.operation = "/v3/kv/range";
    r.key = key;
    r.outcome = "DENIED";
    r.code = 7;
    r.message = "etcdserver: permission denied";
  }
  return r;
}

inline bus::ChangeEvent TestEvent(int64_t revision, const std::string& value) {
  bus::ChangeEvent e;
  e.revision = revision;
  e.leader_time_ms = 1767225600000 + revision;
  e.member_id = 42;
  e.request_id = static_cast<uint64_t>(revision) * 10;
  e.user = revision % 2 == 0 ? "alice" : "";
  e.client_address = "127.0.0.1:5555";
  store::KeyChange put;
  put.type = store::KeyChange::Type::kPut;
  put.kv.key = "/config/key" + std::to_string(revision);
  put.kv.value = value;
  put.kv.create_revision = revision;
  put.kv.mod_revision = revision;
  put.kv.version = 1;
  e.changes.push_back(put);
  if (revision % 5 == 0) {
    store::KeyChange del;
    del.type = store::KeyChange::Type::kDelete;
    del.kv.key = "/config/old" + std::to_string(revision);
    del.kv.mod_revision = revision;
    e.changes.push_back(del);
  }
  return e;
}

inline bus::RequestRecord TestRequest(int i) {
  bus::RequestRecord r;
  r.time_ms = 1767225600000 + i;
  r.member_id = 42;
  r.request_id = static_cast<uint64_t>(i);
  r.user = "mallory";
  r.client_address = "10.0.0.9:6000";
  r.operation = "/v3/kv/deleterange";
  r.key = "/secret/";
  r.range_end = "/secret0";
  r.outcome = bus::RequestOutcome::kDenied;
  r.code = 7;
  r.message = "etcdserver: permission denied";
  return r;
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The file's lines without their newlines (a torn tail counts as a line).
inline std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(ReadAll(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  WriteAll(path, text);
}

}  // namespace shadekv::audit::testing
