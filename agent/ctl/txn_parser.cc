// etcdctl 3.4 txn_command.go (readCompares, readOps, parseCompare,
// parseRequestUnion, argify), with the crashes turned into errors.
#include "agent/ctl/txn_parser.h"

#include <Poco/JSON/Array.h>

#include "agent/ctl/flags.h"
#include "agent/ctl/go_format.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/kv_requests.h"

namespace shadekv::ctl {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the Go-quoted string at the start of `s` (including quotes), or 0
// when `s` does not start with a complete quoted string.
size_t QuotedLength(std::string_view s) {
  if (s.empty()) return 0;
  if (s[0] == '`') {
    size_t end = s.find('`', 1);
    return end == std::string_view::npos ? 0 : end + 1;
  }
  if (s[0] != '"') return 0;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    } else if (s[i] == '\n') {
      return 0;
    }
  }
  return 0;
}

}  // namespace

Result<std::string> GoUnquote(std::string_view q) {
  const Status bad = Status::InvalidArgument("invalid syntax");
  if (q.size() < 2) return bad;
  if (q.front() == '`') {
    if (q.back() != '`' || q.substr(1, q.size() - 2).find('`') != std::string_view::npos) {
      return bad;
    }
    std::string out;
    for (char c : q.substr(1, q.size() - 2)) {
      if (c != '\r') out += c;
    }
    return out;
  }
  if (q.front() != '"' || q.back() != '"') return bad;
  std::string_view s = q.substr(1, q.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"' || c == '\n') return bad;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return bad;
    char e = s[i];
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'x': {
        if (i + 2 >= s.size()) return bad;
        int h = HexDigit(s[i + 1]), l = HexDigit(s[i + 2]);
        if (h < 0 || l < 0) return bad;
        out += static_cast<char>(h * 16 + l);
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        size_t n = e == 'u' ? 4 : 8;
        if (i + n >= s.size()) return bad;
        uint32_t cp = 0;
        for (size_t k = 1; k <= n; ++k) {
          int d = HexDigit(s[i + k]);
          if (d < 0) return bad;
          cp = cp * 16 + static_cast<uint32_t>(d);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return bad;
        AppendUtf8(cp, out);
        i += n;
        break;
      }
      default: {
        if (e >= '0' && e <= '7') {
          if (i + 2 >= s.size()) return bad;
          int v = 0;
          for (size_t k = 0; k < 3; ++k) {
            char d = s[i + k];
            if (d < '0' || d > '7') return bad;
            v = v * 8 + (d - '0');
          }
          if (v > 255) return bad;
          out += static_cast<char>(v);
          i += 2;
          break;
        }
        return bad;
      }
    }
  }
  return out;
}

namespace {

bool IsRegexSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The length of the word starting at line[i] under etcdctl's argify regexp
//   "(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s]\S*[^'"\s]?
// (alternatives tried in order), or 0 when none matches there.
size_t WordLength(std::string_view line, size_t i) {
  const char c = line[i];
  if (c == '"') {
    for (size_t j = i + 1; j < line.size(); ++j) {
      if (line[j] == '\\') {
        if (++j >= line.size()) return 0;
      } else if (line[j] == '"') {
        return j + 1 - i;
      }
    }
    return 0;
  }
  if (c == '\'') {
    size_t end = line.find('\'', i + 1);
    return end == std::string_view::npos ? 0 : end + 1 - i;
  }
  if (IsRegexSpace(c)) return 0;
  size_t j = i + 1;
  while (j < line.size() && !IsRegexSpace(line[j])) ++j;
  return j - i;
}

}  // namespace

Result<std::vector<std::string>> ArgifyTxnLine(std::string_view line) {
  std::vector<std::string> args;
  size_t i = 0;
  while (i < line.size()) {
    size_t n = WordLength(line, i);
    if (n == 0) {
      ++i;
      continue;
    }
    std::string word(line.substr(i, n));
    i += n;
    if (word[0] == '\'') {
      word = word.substr(1, word.size() - 2);
    } else if (word[0] == '"') {
      Result<std::string> unquoted = GoUnquote(word);
      if (!unquoted.ok()) {
        return Status::InvalidArgument("bad quoted string " + word + " in: " + std::string(line));
      }
      word = *unquoted;
    }
    args.push_back(std::move(word));
  }
  return args;
}

namespace {

size_t SkipSpaces(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
  return i;
}

}  // namespace

Result<Poco::JSON::Object::Ptr> ParseTxnCompare(std::string_view line) {
  const std::string text(line);
  size_t paren = line.find('(');
  if (paren == std::string_view::npos) {
    return Status::InvalidArgument("malformed comparison: " + text);
  }
  const std::string target(line.substr(0, paren));
  std::string_view rest = line.substr(paren + 1);

  // fmt.Sscanf(rest, "%q) %s %q", &key, &op, &val)
  std::string key, op, val;
  int scanned = 0;
  size_t i = SkipSpaces(rest, 0);
  if (size_t n = QuotedLength(rest.substr(i)); n > 0) {
    Result<std::string> k = GoUnquote(rest.substr(i, n));
    if (k.ok()) {
      key = *k;
      scanned = 1;
      i += n;
    }
  }
  if (scanned == 1 && i < rest.size() && rest[i] == ')') {
    i = SkipSpaces(rest, i + 1);
    size_t start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t' && rest[i] != '\r') ++i;
    if (i > start) {
      op = std::string(rest.substr(start, i - start));
      scanned = 2;
      i = SkipSpaces(rest, i);
      if (size_t n = QuotedLength(rest.substr(i)); n > 0) {
        Result<std::string> v = GoUnquote(rest.substr(i, n));
        if (v.ok()) {
          val = *v;
          scanned = 3;
        }
      }
    }
  }
  if (scanned != 3) {
    return Status::InvalidArgument("malformed comparison: " + text + "; got " + target + "(" +
                                   GoQuote(key) + ") " + op + " " + GoQuote(val));
  }

  std::string result;
  if (op == "=") {
    result = "EQUAL";
  } else if (op == "!=") {
    result = "NOT_EQUAL";
  } else if (op == ">") {
    result = "GREATER";
  } else if (op == "<") {
    result = "LESS";
  } else {
    return Status::InvalidArgument("malformed comparison: " + text + " (unknown operator " + op +
                                   "; use =, !=, > or <)");
  }

  Poco::JSON::Object::Ptr cmp = new Poco::JSON::Object;
  cmp->set("result", result);
  cmp->set("key", Base64Encode(key));
  auto set_int = [&](const char* target_name, const char* field, int base) -> Status {
    Result<int64_t> v = ParseGoInt64(val, base);
    if (!v.ok()) return Status::InvalidArgument("invalid txn compare request: " + text);
    cmp->set("target", std::string(target_name));
    cmp->set(field, std::to_string(*v));
    return Status::Ok();
  };
  if (target == "ver" || target == "version") {
    SHADEKV_RETURN_IF_ERROR(set_int("VERSION", "version", 10));
  } else if (target == "c" || target == "create") {
    SHADEKV_RETURN_IF_ERROR(set_int("CREATE", "create_revision", 10));
  } else if (target == "m" || target == "mod") {
    SHADEKV_RETURN_IF_ERROR(set_int("MOD", "mod_revision", 10));
  } else if (target == "val" || target == "value") {
    cmp->set("target", std::string("VALUE"));
    cmp->set("value", Base64Encode(val));
  } else if (target == "lease") {
    SHADEKV_RETURN_IF_ERROR(set_int("LEASE", "lease", 16));
  } else {
    return Status::InvalidArgument("malformed comparison: " + text + " (unknown target " + target +
                                   ")");
  }
  return cmp;
}

Result<Poco::JSON::Object::Ptr> ParseTxnRequest(std::string_view line) {
  const std::string text(line);
  SHADEKV_ASSIGN_OR_RETURN(std::vector<std::string> args, ArgifyTxnLine(line));
  if (args.size() < 2) return Status::InvalidArgument("invalid txn compare request: " + text);
  const std::string command = args[0];
  args.erase(args.begin());
  std::vector<FlagSpec> specs;
  if (command == "put") {
    specs = PutFlagSpecs();
  } else if (command == "get") {
    specs = GetFlagSpecs();
  } else if (command == "del") {
    specs = DelFlagSpecs();
  } else {
    return Status::InvalidArgument("invalid txn request: " + text);
  }
  Result<ParsedFlags> flags = ParseFlags(args, specs);
  if (!flags.ok()) return Status::InvalidArgument("invalid txn request: " + text);
  Result<Poco::JSON::Object::Ptr> request = command == "put"   ? BuildPutRequest(*flags, nullptr)
                                            : command == "get" ? BuildRangeRequest(*flags)
                                                               : BuildDeleteRequest(*flags);
  if (!request.ok()) {
    // Well-formed line, bad arguments: report it as the command would.
    if (request.status().code() == StatusCode::kInvalidArgument) {
      return Status::FailedPrecondition(request.status().message());
    }
    return request.status();
  }
  Poco::JSON::Object::Ptr op = new Poco::JSON::Object;
  op->set(command == "put"   ? "request_put"
          : command == "get" ? "request_range"
                             : "request_delete_range",
          *request);
  return op;
}

namespace {

// bufio.Reader.ReadString('\n') then strings.TrimSpace: a final line without
// a newline is an EOF error, as in etcdctl.
Result<std::string> ReadLine(std::istream& in) {
  std::string line;
  if (!std::getline(in, line) || in.eof()) return Status::InvalidArgument("EOF");
  size_t b = 0, e = line.size();
  while (b < e && std::isspace(static_cast<unsigned char>(line[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(line[e - 1]))) --e;
  return line.substr(b, e - b);
}

template <typename ParseFn>
Result<Poco::JSON::Array::Ptr> ReadBlock(std::istream& in, ParseFn parse) {
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  while (true) {
    SHADEKV_ASSIGN_OR_RETURN(std::string line, ReadLine(in));
    if (line.empty()) return items;
    SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr item, parse(line));
    items->add(item);
  }
}

}  // namespace

Result<Poco::JSON::Object::Ptr> ReadTxn(std::istream& in, std::ostream* prompts) {
  auto prompt = [prompts](const char* text) {
    if (prompts != nullptr) *prompts << text << "\n" << std::flush;
  };
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  prompt("compares:");
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Array::Ptr compares, ReadBlock(in, ParseTxnCompare));
  prompt("success requests (get, put, del):");
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Array::Ptr success, ReadBlock(in, ParseTxnRequest));
  prompt("failure requests (get, put, del):");
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Array::Ptr failure, ReadBlock(in, ParseTxnRequest));
  if (compares->size() > 0) body->set("compare", compares);
  if (success->size() > 0) body->set("success", success);
  if (failure->size() > 0) body->set("failure", failure);
  return body;
}

}  // namespace shadekv::ctl
