// Sequence parsing, HTTP round trips (Poco) and response normalization for
// the etcd compatibility suite.
#include "tests/agent/compat/compat_runner.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>

#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"
#include "agent/api/json_writer.h"

namespace shadekv::compat {
namespace {

Result<std::string> ExpandMacros(std::string_view body, int line) {
  static constexpr std::string_view kB64 = "%b64(";
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = body.find(kB64, pos);
    if (start == std::string_view::npos) break;
    size_t close = body.find(')', start);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("line " + std::to_string(line) + ": unclosed %b64(");
    }
    out.append(body.substr(pos, start - pos));
    out += api::EncodeBase64(body.substr(start + kB64.size(), close - start - kB64.size()));
    pos = close + 1;
  }
  out.append(body.substr(pos));
  return out;
}

// Splits off the first space-separated token of `s`.
std::string_view NextToken(std::string_view& s) {
  size_t begin = s.find_first_not_of(' ');
  if (begin == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(begin);
  size_t end = std::min(s.find(' '), s.size());
  std::string_view token = s.substr(0, end);
  s.remove_prefix(end);
  if (!s.empty()) s.remove_prefix(1);
  return token;
}

std::string KindName(api::JsonValue::Kind kind) {
  switch (kind) {
    case api::JsonValue::Kind::kNull:
      return "null";
    case api::JsonValue::Kind::kBool:
      return "bool";
    case api::JsonValue::Kind::kNumber:
      return "number";
    case api::JsonValue::Kind::kString:
      return "string";
    case api::JsonValue::Kind::kArray:
      return "array";
    case api::JsonValue::Kind::kObject:
      return "object";
  }
  return "?";
}

void SetPlaceholder(api::JsonValue& v, const std::string& text) {
  v.kind = api::JsonValue::Kind::kString;
  v.text = text;
  v.items.clear();
  v.members.clear();
}

bool IsScalar(const api::JsonValue& v) {
  return v.kind != api::JsonValue::Kind::kArray && v.kind != api::JsonValue::Kind::kObject;
}

void Print(const api::JsonValue& v, std::string& out);

// A time-to-live answer's remaining TTL counts down with the wall clock, so a
// slow run may see one second less on one server: within 10 s of the granted
// TTL it becomes a placeholder (the granted TTL and TTL -1 stay exact).
void NormalizeRemainingTtl(api::JsonValue& v) {
  if (v.kind != api::JsonValue::Kind::kObject) return;
  api::JsonValue* ttl = nullptr;
  const api::JsonValue* granted = v.Find("grantedTTL");
  for (auto& [name, member] : v.members) {
    if (name == "TTL") ttl = &member;
  }
  if (ttl == nullptr || granted == nullptr || ttl->kind != api::JsonValue::Kind::kString ||
      granted->kind != api::JsonValue::Kind::kString) {
    return;
  }
  int64_t remaining = 0;
  int64_t full = 0;
  auto parse = [](const std::string& t, int64_t* out) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), *out);
    return ec == std::errc() && end == t.data() + t.size();
  };
  if (parse(ttl->text, &remaining) && parse(granted->text, &full) && remaining >= 0 &&
      remaining <= full && full - remaining <= 10) {
    SetPlaceholder(*ttl, "$remaining-ttl");
  }
}

// Orders an array's items by their printed form.
void SortItems(api::JsonValue& array) {
  auto printed = [](const api::JsonValue& v) {
    std::string out;
    Print(v, out);
    return out;
  };
  std::sort(
      array.items.begin(), array.items.end(),
      [&](const api::JsonValue& a, const api::JsonValue& b) { return printed(a) < printed(b); });
}

void NormalizeValue(api::JsonValue& v, int64_t base_revision, bool shape_only) {
  static const std::set<std::string> kOpaque = {"cluster_id", "member_id",        "raft_term",
                                                "leader",     "dbSize",           "dbSizeInUse",
                                                "raftIndex",  "raftAppliedIndex", "raftTerm"};
  static const std::set<std::string> kRevisions = {"revision", "create_revision", "mod_revision",
                                                   "compact_revision"};
  if (shape_only && IsScalar(v)) {
    SetPlaceholder(v, "$" + KindName(v.kind));
    return;
  }
  for (api::JsonValue& item : v.items) NormalizeValue(item, base_revision, shape_only);
  NormalizeRemainingTtl(v);
  for (auto& [name, member] : v.members) {
    if (name == "token" && member.kind == api::JsonValue::Kind::kString) {
      SetPlaceholder(member, "$token");  // random (etcd) or signed (shadekv)
    } else if (kOpaque.count(name) != 0 && IsScalar(member)) {
      SetPlaceholder(member, "$" + name + ":" + KindName(member.kind));
    } else if (kRevisions.count(name) != 0 && member.kind == api::JsonValue::Kind::kString) {
      int64_t revision = 0;
      const std::string& t = member.text;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), revision);
      if (ec == std::errc() && end == t.data() + t.size()) {
        member.text = std::to_string(revision - base_revision + 1);
      }
    } else {
      NormalizeValue(member, base_revision, shape_only);
      // etcd lists a lease's keys and the leases themselves in Go map order
      // (random from run to run), so only the set can be compared.
      if ((name == "keys" || name == "leases") && member.kind == api::JsonValue::Kind::kArray) {
        SortItems(member);
      }
    }
  }
}

void Print(const api::JsonValue& v, std::string& out) {
  switch (v.kind) {
    case api::JsonValue::Kind::kString:
      api::AppendJsonString(out, v.text);
      return;
    case api::JsonValue::Kind::kArray:
      out += '[';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out += ',';
        Print(v.items[i], out);
      }
      out += ']';
      return;
    case api::JsonValue::Kind::kObject:
      out += '{';
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i > 0) out += ',';
        api::AppendJsonString(out, v.members[i].first);
        out += ':';
        Print(v.members[i].second, out);
      }
      out += '}';
      return;
    default:
      out.append(v.raw);
      return;
  }
}

// The media type and charset, lower-cased: what a client may act on.
std::string ContentTypeEssentials(const std::string& content_type) {
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  lower.erase(std::remove(lower.begin(), lower.end(), ' '), lower.end());
  std::string media = lower.substr(0, lower.find(';'));
  size_t charset = lower.find("charset=");
  if (charset != std::string::npos) {
    media += "; " + lower.substr(charset, lower.find(';', charset) - charset);
  }
  return media.empty() ? "-" : media;
}

}  // namespace

Result<std::vector<Step>> ParseSequence(std::string_view text) {
  std::vector<Step> steps;
  std::istringstream in{std::string(text)};
  std::string raw_line;
  int line = 0;
  while (std::getline(in, raw_line)) {
    ++line;
    std::string_view rest = raw_line;
    if (rest.find_first_not_of(" \t") == std::string_view::npos || rest[0] == '#') continue;
    const std::string where = "line " + std::to_string(line) + ": ";
    if (rest.rfind("=> ", 0) == 0) {
      if (steps.empty() || steps.back().mode != StepMode::kShadekvOnly ||
          !steps.back().expected.empty()) {
        return Status::InvalidArgument(where + "'=>' must follow a METHOD:shadekv step");
      }
      rest.remove_prefix(3);
      std::string status(NextToken(rest));
      std::string media(NextToken(rest));
      if (!media.empty() && media.back() == ';') media += " " + std::string(NextToken(rest));
      steps.back().expected = status + " " + media + "\n" + std::string(rest);
      continue;
    }
    Step step;
    step.line = line;
    std::string method(NextToken(rest));
    size_t at = method.find('@');
    if (at != std::string::npos) {
      std::string who = method.substr(at + 1);
      method.resize(at);
      if (who.rfind("=", 0) == 0) {
        step.literal_token = who.substr(1);
      } else {
        step.as_user = who;
      }
      if (who.empty() || who == "=") {
        return Status::InvalidArgument(where + "expected @USER or @=TOKEN after the method");
      }
    }
    size_t colon = method.find(':');
    if (colon != std::string::npos) {
      std::string mode = method.substr(colon + 1);
      method.resize(colon);
      if (mode == "shape") {
        step.mode = StepMode::kShape;
      } else if (mode == "shadekv") {
        step.mode = StepMode::kShadekvOnly;
      } else {
        return Status::InvalidArgument(where + "unknown mode '" + mode + "'");
      }
    }
    step.method = method;
    step.path = std::string(NextToken(rest));
    if (step.method.empty() || step.path.empty() || step.path[0] != '/') {
      return Status::InvalidArgument(where + "expected METHOD[:MODE] /PATH [BODY]");
    }
    SHADEKV_ASSIGN_OR_RETURN(step.body, ExpandMacros(rest, line));
    if (!steps.empty() && steps.back().mode == StepMode::kShadekvOnly &&
        steps.back().expected.empty()) {
      return Status::InvalidArgument("line " + std::to_string(steps.back().line) +
                                     ": a :shadekv step needs an '=> ...' line after it");
    }
    steps.push_back(std::move(step));
  }
  if (!steps.empty() && steps.back().mode == StepMode::kShadekvOnly &&
      steps.back().expected.empty()) {
    return Status::InvalidArgument("line " + std::to_string(steps.back().line) +
                                   ": a :shadekv step needs an '=> ...' line after it");
  }
  return steps;
}

Result<HttpReply> SendRequest(int port, const std::string& method, const std::string& path,
                              const std::string& body, int timeout_ms, const std::string& token) {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(static_cast<long>(timeout_ms) * 1000));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) request.set("Authorization", token);
    if (method != "GET") request.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = session.sendRequest(request);
    if (method != "GET") out << body;
    Poco::Net::HTTPResponse response;
    HttpReply reply;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
    reply.status = static_cast<int>(response.getStatus());
    reply.content_type = response.getContentType();
    return reply;
  } catch (const Poco::Exception& e) {
    return Status::Unavailable(method + " http://127.0.0.1:" + std::to_string(port) + path +
                               " failed: " + e.displayText());
  }
}

Result<int64_t> CurrentRevision(int port) {
  SHADEKV_ASSIGN_OR_RETURN(HttpReply reply,
                           SendRequest(port, "POST", "/v3/kv/range", "{\"key\":\"AA==\"}", 30000));
  Result<api::JsonValue> json = api::ParseWholeJson(reply.body);
  const api::JsonValue* header = json.ok() ? json->Find("header") : nullptr;
  const api::JsonValue* revision = header != nullptr ? header->Find("revision") : nullptr;
  if (reply.status != 200 || revision == nullptr) {
    return Status::Internal("unexpected range reply on port " + std::to_string(port) + ": " +
                            std::to_string(reply.status) + " " + reply.body);
  }
  return std::stoll(revision->text);
}

std::string Normalize(const HttpReply& reply, int64_t base_revision, bool shape_only) {
  std::string out =
      std::to_string(reply.status) + " " + ContentTypeEssentials(reply.content_type) + "\n";
  Result<api::JsonValue> json = api::ParseWholeJson(reply.body);
  if (json.ok()) {
    api::JsonValue value = std::move(*json);
    NormalizeValue(value, base_revision, shape_only);
    Print(value, out);
    return out;
  }
  // A stream (lease keepalive, watch): one JSON value per line, each
  // normalized; anything else is kept verbatim.
  std::string lines;
  size_t start = 0;
  while (start < reply.body.size()) {
    size_t end = reply.body.find('\n', start);
    if (end == std::string::npos) end = reply.body.size();
    Result<api::JsonValue> line = api::ParseWholeJson(reply.body.substr(start, end - start));
    if (!line.ok()) return out + reply.body;
    api::JsonValue value = std::move(*line);
    NormalizeValue(value, base_revision, shape_only);
    Print(value, lines);
    lines += '\n';
    start = end + 1;
  }
  return out + lines;
}

}  // namespace shadekv::compat
