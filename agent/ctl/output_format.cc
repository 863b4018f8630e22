// etcdctl 3.4's printers (ctlv3/command/printer*.go), reimplemented over the
// gateway's JSON. Golden strings in tests/agent/ctl pin every format.
#include "agent/ctl/output_format.h"

#include <cinttypes>
#include <cstdio>

#include <Poco/JSON/Array.h>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "simple") return OutputFormat::kSimple;
  if (name == "json") return OutputFormat::kJson;
  if (name == "table") return OutputFormat::kTable;
  return Status::InvalidArgument("unsupported output format \"" + std::string(name) +
                                 "\" (shadectl supports simple, json and table)");
}

Status TableUnsupported() { return Status::Unimplemented("table not supported as output format"); }

namespace {

// etcdctl's addHexPrefix(hex.EncodeToString(b)).
std::string HexBytes(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

}  // namespace

void AppendSimpleKv(const Poco::JSON::Object::Ptr& kv, const PrintOptions& opts, std::string& out) {
  std::string key = GetBytes(kv, "key");
  std::string value = GetBytes(kv, "value");
  if (opts.hex) {
    key = HexBytes(key);
    value = HexBytes(value);
  }
  if (!opts.value_only) out += key + "\n";
  out += value + "\n";
}

namespace {

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%" PRIx64, v);
  return buf;
}

std::string Hex16(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%16" PRIx64, v);
  return buf;
}

std::string JsonLine(const Poco::JSON::Object::Ptr& resp) { return EtcdctlJson(resp) + "\n"; }

std::string SimpleRange(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  std::string out;
  if (opts.count_only) return std::to_string(GetInt64(resp, "count")) + "\n";
  if (auto kvs = GetArray(resp, "kvs")) {
    for (size_t i = 0; i < kvs->size(); ++i) AppendSimpleKv(kvs->getObject(i), opts, out);
  }
  return out;
}

std::string SimplePut(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  std::string out = "OK\n";
  if (auto prev = GetObject(resp, "prev_kv")) AppendSimpleKv(prev, opts, out);
  return out;
}

std::string SimpleDelete(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  std::string out = std::to_string(GetInt64(resp, "deleted")) + "\n";
  if (auto prevs = GetArray(resp, "prev_kvs")) {
    for (size_t i = 0; i < prevs->size(); ++i) AppendSimpleKv(prevs->getObject(i), opts, out);
  }
  return out;
}

std::string SimpleTxn(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  std::string out = GetBool(resp, "succeeded") ? "SUCCESS\n" : "FAILURE\n";
  auto responses = GetArray(resp, "responses");
  if (!responses) return out;
  for (size_t i = 0; i < responses->size(); ++i) {
    out += "\n";
    Poco::JSON::Object::Ptr op = responses->getObject(i);
    if (auto r = GetObject(op, "response_delete_range")) {
      out += SimpleDelete(r, opts);
    } else if (auto p = GetObject(op, "response_put")) {
      out += SimplePut(p, opts);
    } else if (auto g = GetObject(op, "response_range")) {
      out += SimpleRange(g, opts);
    } else if (auto t = GetObject(op, "response_txn")) {
      out += SimpleTxn(t, opts);
    } else {
      out += "unexpected response " + Stringify(op) + "\n";
    }
  }
  return out;
}

Result<std::string> ByFormat(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts,
                             std::string (*simple)(const Poco::JSON::Object::Ptr&,
                                                   const PrintOptions&)) {
  switch (opts.format) {
    case OutputFormat::kSimple:
      return simple(resp, opts);
    case OutputFormat::kJson:
      return JsonLine(resp);
    case OutputFormat::kTable:
      break;
  }
  return TableUnsupported();
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::vector<std::string> Strings(const Poco::JSON::Array::Ptr& array) {
  std::vector<std::string> out;
  if (!array) return out;
  for (size_t i = 0; i < array->size(); ++i) out.push_back(array->getElement<std::string>(i));
  return out;
}

std::string SimpleRows(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (const auto& row : rows) out += Join(row, ", ") + "\n";
  return out;
}

}  // namespace

Result<std::string> FormatRange(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  return ByFormat(resp, opts, SimpleRange);
}

Result<std::string> FormatPut(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  return ByFormat(resp, opts, SimplePut);
}

Result<std::string> FormatDelete(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  return ByFormat(resp, opts, SimpleDelete);
}

Result<std::string> FormatTxn(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  return ByFormat(resp, opts, SimpleTxn);
}

Result<std::string> FormatMemberList(const Poco::JSON::Object::Ptr& resp,
                                     const PrintOptions& opts) {
  if (opts.format == OutputFormat::kJson) return JsonLine(resp);
  std::vector<std::vector<std::string>> rows;
  if (auto members = GetArray(resp, "members")) {
    for (size_t i = 0; i < members->size(); ++i) {
      Poco::JSON::Object::Ptr m = members->getObject(i);
      std::string name = GetString(m, "name");
      rows.push_back({Hex(GetUint64(m, "ID")), name.empty() ? "unstarted" : "started", name,
                      Join(Strings(GetArray(m, "peerURLs")), ","),
                      Join(Strings(GetArray(m, "clientURLs")), ","),
                      GetBool(m, "isLearner") ? "true" : "false"});
    }
  }
  if (opts.format == OutputFormat::kTable) {
    return RenderTable({"ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"}, rows);
  }
  return SimpleRows(rows);
}

Result<std::string> FormatMemberAdd(const Poco::JSON::Object::Ptr& resp,
                                    const std::string& new_name,
                                    const std::vector<std::string>& peer_urls,
                                    const PrintOptions& opts) {
  if (opts.format == OutputFormat::kJson) return JsonLine(resp);
  if (opts.format == OutputFormat::kTable) return TableUnsupported();
  uint64_t new_id = GetUint64(GetObject(resp, "member"), "ID");
  uint64_t cluster_id = GetUint64(GetObject(resp, "header"), "cluster_id");
  std::string out = "Member " + Hex16(new_id) + " added to cluster " + Hex16(cluster_id) + "\n";
  std::vector<std::string> conf;
  if (auto members = GetArray(resp, "members")) {
    for (size_t i = 0; i < members->size(); ++i) {
      Poco::JSON::Object::Ptr m = members->getObject(i);
      std::string name = GetUint64(m, "ID") == new_id ? new_name : GetString(m, "name");
      for (const std::string& url : Strings(GetArray(m, "peerURLs"))) {
        conf.push_back(name + "=" + url);
      }
    }
  }
  out += "\n";
  out += "ETCD_NAME=" + GoQuote(new_name) + "\n";
  out += "ETCD_INITIAL_CLUSTER=" + GoQuote(Join(conf, ",")) + "\n";
  out += "ETCD_INITIAL_ADVERTISE_PEER_URLS=" + GoQuote(Join(peer_urls, ",")) + "\n";
  out += "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n";
  return out;
}

Result<std::string> FormatMemberChange(const Poco::JSON::Object::Ptr& resp, uint64_t id,
                                       std::string_view verb_phrase, const PrintOptions& opts) {
  if (opts.format == OutputFormat::kJson) return JsonLine(resp);
  if (opts.format == OutputFormat::kTable) return TableUnsupported();
  uint64_t cluster_id = GetUint64(GetObject(resp, "header"), "cluster_id");
  return "Member " + Hex16(id) + " " + std::string(verb_phrase) + " cluster " + Hex16(cluster_id) +
         "\n";
}

std::string FormatEndpointStatus(const std::vector<EndpointStatusRow>& rows,
                                 const PrintOptions& opts) {
  if (opts.format == OutputFormat::kJson) {
    std::string out = "[";
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i > 0) out += ",";
      out += "{\"Endpoint\":" + GoJsonQuote(rows[i].endpoint) +
             ",\"Status\":" + EtcdctlJson(rows[i].status) + "}";
    }
    return out + "]\n";
  }
  std::vector<std::vector<std::string>> cells;
  for (const EndpointStatusRow& row : rows) {
    const Poco::JSON::Object::Ptr& s = row.status;
    uint64_t member_id = GetUint64(GetObject(s, "header"), "member_id");
    cells.push_back({row.endpoint, Hex(member_id), GetString(s, "version"),
                     HumanizeBytes(GetUint64(s, "dbSize")),
                     GetUint64(s, "leader") == member_id ? "true" : "false",
                     GetBool(s, "isLearner") ? "true" : "false",
                     std::to_string(GetUint64(s, "raftTerm")),
                     std::to_string(GetUint64(s, "raftIndex")),
                     std::to_string(GetUint64(s, "raftAppliedIndex")),
                     Join(Strings(GetArray(s, "errors")), ", ")});
  }
  if (opts.format == OutputFormat::kTable) {
    return RenderTable({"ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER",
                        "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"},
                       cells);
  }
  return SimpleRows(cells);
}

PrintedText FormatEndpointHealth(const std::vector<EndpointHealthRow>& rows,
                                 const PrintOptions& opts) {
  PrintedText text;
  if (opts.format == OutputFormat::kJson) {
    text.out = "[";
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i > 0) text.out += ",";
      text.out += "{\"endpoint\":" + GoJsonQuote(rows[i].endpoint) +
                  ",\"health\":" + (rows[i].health ? "true" : "false") +
                  ",\"took\":" + GoJsonQuote(rows[i].took);
      if (!rows[i].error.empty()) text.out += ",\"error\":" + GoJsonQuote(rows[i].error);
      text.out += "}";
    }
    text.out += "]\n";
    return text;
  }
  if (opts.format == OutputFormat::kTable) {
    std::vector<std::vector<std::string>> cells;
    for (const EndpointHealthRow& row : rows) {
      cells.push_back({row.endpoint, row.health ? "true" : "false", row.took, row.error});
    }
    text.out = RenderTable({"ENDPOINT", "HEALTH", "TOOK", "ERROR"}, cells);
    return text;
  }
  for (const EndpointHealthRow& row : rows) {
    if (row.error.empty()) {
      text.err +=
          row.endpoint + " is healthy: successfully committed proposal: took = " + row.took + "\n";
    } else {
      text.err += row.endpoint + " is unhealthy: failed to commit proposal: " + row.error + "\n";
    }
  }
  return text;
}

std::string FormatEndpointHash(const std::vector<EndpointHashRow>& rows, const PrintOptions& opts) {
  if (opts.format == OutputFormat::kJson) {
    std::string out = "[";
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i > 0) out += ",";
      out += "{\"Endpoint\":" + GoJsonQuote(rows[i].endpoint) +
             ",\"HashKV\":" + EtcdctlJson(rows[i].hashkv) + "}";
    }
    return out + "]\n";
  }
  std::vector<std::vector<std::string>> cells;
  for (const EndpointHashRow& row : rows) {
    cells.push_back({row.endpoint, std::to_string(GetUint64(row.hashkv, "hash"))});
  }
  if (opts.format == OutputFormat::kTable) return RenderTable({"ENDPOINT", "HASH"}, cells);
  return SimpleRows(cells);
}

}  // namespace shadekv::ctl
