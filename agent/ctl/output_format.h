// What shadectl prints, byte for byte as etcdctl 3.4 prints it: the "simple"
// line formats, `-w json` (see json_util.h) and `-w table` (tablewriter with
// right-aligned cells and centred upper-case headers).
//
// Every function is pure: it takes a parsed gateway response and returns the
// text for stdout. Where etcdctl has no printer for a format (table for
// get/put/del/txn/member add...), the function fails with Unimplemented
// "table not supported as output format"; callers print it after the request
// has been made, exactly when etcdctl does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/JSON/Object.h>

#include "agent/ctl/go_format.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

enum class OutputFormat { kSimple, kJson, kTable };

// "simple", "json" or "table". Other etcdctl formats (fields, protobuf) are not
// supported: InvalidArgument naming the supported ones.
Result<OutputFormat> ParseOutputFormat(std::string_view name);

// etcdctl's error for a format it has no printer for (see above); every
// printer, this file's and the lease ones, fails with it.
Status TableUnsupported();

struct PrintOptions {
  OutputFormat format = OutputFormat::kSimple;
  bool hex = false;         // --hex: keys and values as \x.. escapes
  bool value_only = false;  // get --print-value-only
  bool count_only = false;  // get --count-only: simple prints only the count
};

// etcdctl's printKV for the simple format (get and watch): the key (unless
// opts.value_only) and the value, each on its own line; with opts.hex as
// \x.. escapes. Appends to `out`.
void AppendSimpleKv(const Poco::JSON::Object::Ptr& kv, const PrintOptions& opts, std::string& out);

Result<std::string> FormatRange(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts);
Result<std::string> FormatPut(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts);
Result<std::string> FormatDelete(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts);
Result<std::string> FormatTxn(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts);

Result<std::string> FormatMemberList(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts);
// `member add`: the simple format also prints the ETCD_* lines for the new member.
Result<std::string> FormatMemberAdd(const Poco::JSON::Object::Ptr& resp,
                                    const std::string& new_name,
                                    const std::vector<std::string>& peer_urls,
                                    const PrintOptions& opts);
// `member remove|update|promote`: verb_phrase is "removed from", "updated in"
// or "promoted in".
Result<std::string> FormatMemberChange(const Poco::JSON::Object::Ptr& resp, uint64_t id,
                                       std::string_view verb_phrase, const PrintOptions& opts);

struct EndpointStatusRow {
  std::string endpoint;
  Poco::JSON::Object::Ptr status;  // a /v3/maintenance/status response
};
struct EndpointHealthRow {
  std::string endpoint;
  bool health = false;
  std::string took;  // Go duration text, "1.485404ms"
  std::string error;
};
struct EndpointHashRow {
  std::string endpoint;
  Poco::JSON::Object::Ptr hashkv;  // a HashKV response
};

// Text for stdout and for stderr (etcdctl prints health lines on stderr).
struct PrintedText {
  std::string out;
  std::string err;
};

std::string FormatEndpointStatus(const std::vector<EndpointStatusRow>& rows,
                                 const PrintOptions& opts);
PrintedText FormatEndpointHealth(const std::vector<EndpointHealthRow>& rows,
                                 const PrintOptions& opts);
std::string FormatEndpointHash(const std::vector<EndpointHashRow>& rows, const PrintOptions& opts);

}  // namespace shadekv::ctl
