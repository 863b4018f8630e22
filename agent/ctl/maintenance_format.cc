// Formatting of alarm lists and defragment results.
#include "agent/ctl/maintenance_format.h"

#include <Poco/JSON/Array.h>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {
namespace {

int AlarmNumber(const std::string& name) {
  if (name == "NOSPACE") return 1;
  if (name == "CORRUPT") return 2;
  return 0;
}

}  // namespace

Result<std::string> FormatAlarms(const Poco::JSON::Object::Ptr& resp, const PrintOptions& print) {
  Poco::JSON::Array::Ptr alarms = GetArray(resp, "alarms");
  const size_t n = alarms ? alarms->size() : 0;
  std::string out;
  switch (print.format) {
    case OutputFormat::kSimple:
      for (size_t i = 0; i < n; ++i) {
        Poco::JSON::Object::Ptr a = alarms->getObject(i);
        uint64_t member = a ? GetUint64(a, "memberID") : 0;
        std::string type = a ? GetString(a, "alarm") : "";
        if (member != 0) out += "memberID:" + std::to_string(member) + " ";
        if (!type.empty() && type != "NONE") out += "alarm:" + type + " ";
        out += "\n";
      }
      return out;
    case OutputFormat::kJson: {
      if (n == 0) return std::string("{}\n");
      out = "{\"alarms\":[";
      for (size_t i = 0; i < n; ++i) {
        Poco::JSON::Object::Ptr a = alarms->getObject(i);
        uint64_t member = a ? GetUint64(a, "memberID") : 0;
        int type = a ? AlarmNumber(GetString(a, "alarm")) : 0;
        out += i > 0 ? ",{" : "{";
        bool first = true;
        if (member != 0) {
          out += "\"memberID\":" + std::to_string(member);
          first = false;
        }
        if (type != 0) out += std::string(first ? "" : ",") + "\"alarm\":" + std::to_string(type);
        out += "}";
      }
      out += "]}\n";
      return out;
    }
    case OutputFormat::kTable:
      break;
  }
  return Status::Unimplemented("table not supported as output format");  // etcdctl's words
}

std::string FormatDefragDone(const std::string& endpoint, uint64_t before, uint64_t after) {
  std::string out = "Finished defragmenting etcd member[" + endpoint + "]\n";
  if (before != 0 && after != 0) {
    out += "  db size: " + std::to_string(before) + " -> " + std::to_string(after) + " bytes\n";
  }
  return out;
}

}  // namespace shadekv::ctl
