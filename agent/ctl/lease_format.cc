// etcdctl's lease printers. clientv3 embeds *pb.ResponseHeader in its lease
// response structs, so Go's JSON flattens the header fields into the object.
#include "agent/ctl/lease_format.h"

#include <cinttypes>
#include <cstdio>

#include <Poco/JSON/Array.h>

#include "agent/ctl/flags.h"
#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

std::string LeaseIdHex(int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, static_cast<uint64_t>(id));
  return buf;
}

Result<int64_t> ParseLeaseIdArg(std::string_view arg) {
  Result<int64_t> id = ParseGoInt64(arg, 16);
  if (!id.ok()) {
    return Status::InvalidArgument("bad lease ID arg (" + id.status().message() +
                                   "), expecting ID in Hex");
  }
  return id;
}

namespace {

// The header's fields without braces: "cluster_id":N,"member_id":N,...
std::string FlatHeader(const Poco::JSON::Object::Ptr& resp) {
  Poco::JSON::Object::Ptr header = GetObject(resp, "header");
  if (!header) return "";
  std::string json = EtcdctlJson(header);
  return json.substr(1, json.size() - 2);
}

std::string JoinFields(const std::string& header, const std::string& rest) {
  if (header.empty()) return "{" + rest + "}\n";
  return "{" + header + "," + rest + "}\n";
}

}  // namespace

Result<std::string> FormatLeaseGrant(const Poco::JSON::Object::Ptr& resp,
                                     const PrintOptions& opts) {
  int64_t id = GetInt64(resp, "ID");
  int64_t ttl = GetInt64(resp, "TTL");
  switch (opts.format) {
    case OutputFormat::kSimple:
      return "lease " + LeaseIdHex(id) + " granted with TTL(" + std::to_string(ttl) + "s)\n";
    case OutputFormat::kJson:
      return JoinFields(FlatHeader(resp),
                        "\"ID\":" + std::to_string(id) + ",\"TTL\":" + std::to_string(ttl) +
                            ",\"Error\":" + GoJsonQuote(GetString(resp, "error")));
    case OutputFormat::kTable:
      break;
  }
  return TableUnsupported();
}

Result<std::string> FormatLeaseRevoke(int64_t id, const Poco::JSON::Object::Ptr& resp,
                                      const PrintOptions& opts) {
  switch (opts.format) {
    case OutputFormat::kSimple:
      return "lease " + LeaseIdHex(id) + " revoked\n";
    case OutputFormat::kJson: {
      Poco::JSON::Object::Ptr header = GetObject(resp, "header");
      return "{\"header\":" + (header ? EtcdctlJson(header) : std::string("{}")) + "}\n";
    }
    case OutputFormat::kTable:
      break;
  }
  return TableUnsupported();
}

Result<std::string> FormatLeaseTimeToLive(const Poco::JSON::Object::Ptr& resp, bool keys,
                                          const PrintOptions& opts) {
  int64_t id = GetInt64(resp, "ID");
  int64_t ttl = GetInt64(resp, "TTL");
  int64_t granted = GetInt64(resp, "grantedTTL");
  Poco::JSON::Array::Ptr key_list = GetArray(resp, "keys");
  switch (opts.format) {
    case OutputFormat::kSimple: {
      if (granted == 0 && ttl == -1) return "lease " + LeaseIdHex(id) + " already expired\n";
      std::string text = "lease " + LeaseIdHex(id) + " granted with TTL(" +
                         std::to_string(granted) + "s), remaining(" + std::to_string(ttl) + "s)";
      if (keys) {
        // Go's %v of a []string: [a b c].
        text += ", attached keys([";
        for (size_t i = 0; key_list && i < key_list->size(); ++i) {
          if (i > 0) text += " ";
          Result<std::string> key = Base64Decode(key_list->getElement<std::string>(i));
          text += key.ok() ? *key : "";
        }
        text += "])";
      }
      return text + "\n";
    }
    case OutputFormat::kJson: {
      std::string list = "null";
      if (key_list && key_list->size() > 0) {
        list = "[";
        for (size_t i = 0; i < key_list->size(); ++i) {
          if (i > 0) list += ",";
          list += GoJsonQuote(key_list->getElement<std::string>(i));
        }
        list += "]";
      }
      return JoinFields(FlatHeader(resp),
                        "\"id\":" + std::to_string(id) + ",\"ttl\":" + std::to_string(ttl) +
                            ",\"granted-ttl\":" + std::to_string(granted) + ",\"keys\":" + list);
    }
    case OutputFormat::kTable:
      break;
  }
  return TableUnsupported();
}

Result<std::string> FormatLeaseList(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts) {
  Poco::JSON::Array::Ptr leases = GetArray(resp, "leases");
  const size_t count = leases ? leases->size() : 0;
  switch (opts.format) {
    case OutputFormat::kSimple: {
      std::string out = "found " + std::to_string(count) + " leases\n";
      for (size_t i = 0; i < count; ++i) {
        out += LeaseIdHex(GetInt64(leases->getObject(static_cast<unsigned>(i)), "ID")) + "\n";
      }
      return out;
    }
    case OutputFormat::kJson: {
      // clientv3 always allocates the slice, so no leases is [] (not null).
      std::string list = "[";
      for (size_t i = 0; i < count; ++i) {
        if (i > 0) list += ",";
        list += "{\"id\":" +
                std::to_string(GetInt64(leases->getObject(static_cast<unsigned>(i)), "ID")) + "}";
      }
      list += "]";
      return JoinFields(FlatHeader(resp), "\"leases\":" + list);
    }
    case OutputFormat::kTable:
      break;
  }
  return TableUnsupported();
}

Result<std::string> FormatLeaseKeepAlive(const Poco::JSON::Object::Ptr& resp,
                                         const PrintOptions& opts) {
  int64_t id = GetInt64(resp, "ID");
  int64_t ttl = GetInt64(resp, "TTL");
  switch (opts.format) {
    case OutputFormat::kSimple:
      return "lease " + LeaseIdHex(id) + " keepalived with TTL(" + std::to_string(ttl) + ")\n";
    case OutputFormat::kJson:
      return JoinFields(FlatHeader(resp),
                        "\"ID\":" + std::to_string(id) + ",\"TTL\":" + std::to_string(ttl));
    case OutputFormat::kTable:
      break;
  }
  return TableUnsupported();
}

}  // namespace shadekv::ctl
