// Parses and checks a rules file (rules.h). Every error names the rule by
// index and name, and the field, so the operator can fix the file without
// guessing. Poco throws; everything is caught here.
#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/RegularExpression.h>

#include <cstdint>
#include <map>
#include <set>

#include "plugins/hunt/rules.h"

namespace shadekv::hunt {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// Fields every rule may have, and those of each type.
const std::set<std::string> kCommonFields = {"name", "type", "severity", "prefix", "description"};
const std::map<std::string, std::set<std::string>> kTypeFields = {
    {"sensitive_prefix", {"prefixes", "ops"}},
    {"mass_delete", {"max_keys", "window_seconds"}},
    {"user_not_allowed", {"allowed_users"}},
    {"denied_burst", {"max_denied", "window_seconds", "group_by"}},
    {"outside_hours", {"allowed_hours", "allowed_days", "utc_offset"}},
    {"value_size", {"max_bytes"}},
    {"value_pattern", {"pattern", "targets"}},
};
// Ten years: longer windows mean nothing, and the bound keeps ms in range.
constexpr int64_t kMaxWindowSeconds = 10 * 366 * 86400;
const std::set<std::string> kSeverities = {"low", "medium", "high", "critical"};

// Reads the fields of one rule object, turning every problem into a message
// that starts with "FIELD: ". The caller adds the rule's index and name.
class FieldReader {
 public:
  explicit FieldReader(const Object& object) : object_(object) {}

  bool Has(const std::string& field) const { return object_.has(field); }

  Result<std::string> String(const std::string& field, bool required, bool allow_empty) const {
    if (!object_.has(field)) {
      if (required) return Missing(field, "a string");
      return std::string();
    }
    Var v = object_.get(field);
    if (!v.isString()) return Mistyped(field, "a string", v);
    std::string s = v.extract<std::string>();
    if (s.empty() && !allow_empty) {
      return Status::InvalidArgument(field + ": must not be empty");
    }
    return s;
  }

  Result<int64_t> Integer(const std::string& field, int64_t min, int64_t max = INT64_MAX) const {
    if (!object_.has(field)) return Missing(field, "an integer");
    Var v = object_.get(field);
    if (!v.isInteger() || v.isBoolean()) return Mistyped(field, "an integer", v);
    int64_t n = 0;
    try {
      n = v.convert<int64_t>();
    } catch (const Poco::Exception&) {
      return Status::InvalidArgument(field + ": " + v.toString() + " is out of range");
    }
    if (n < min || n > max) {
      return Status::InvalidArgument(field + ": must be from " + std::to_string(min) + " to " +
                                     std::to_string(max) + ", got " + std::to_string(n));
    }
    return n;
  }

  // A list of strings; `required` means the field must be present and the
  // list non-empty.
  Result<std::vector<std::string>> Strings(const std::string& field, bool required,
                                           bool allow_empty_items) const {
    std::vector<std::string> out;
    if (!object_.has(field)) {
      if (required) return Missing(field, "a list of strings");
      return out;
    }
    Var v = object_.get(field);
    if (v.type() != typeid(Array::Ptr)) return Mistyped(field, "a list of strings", v);
    Array::Ptr array = v.extract<Array::Ptr>();
    for (size_t i = 0; i < array->size(); ++i) {
      Var item = array->get(static_cast<unsigned>(i));
      std::string where = field + "[" + std::to_string(i) + "]";
      if (!item.isString()) return Mistyped(where, "a string", item);
      std::string s = item.extract<std::string>();
      if (s.empty() && !allow_empty_items) {
        return Status::InvalidArgument(where + ": must not be empty");
      }
      out.push_back(std::move(s));
    }
    if (required && out.empty()) return Status::InvalidArgument(field + ": must not be empty");
    return out;
  }

 private:
  static Status Missing(const std::string& field, const char* what) {
    return Status::InvalidArgument(field + ": missing (expected " + what + ")");
  }
  static Status Mistyped(const std::string& field, const char* what, const Var& v) {
    std::string got = v.isEmpty()                      ? "null"
                      : v.isBoolean()                  ? "a boolean"
                      : v.isString()                   ? "a string"
                      : v.isNumeric()                  ? "a number"
                      : v.type() == typeid(Array::Ptr) ? "a list"
                                                       : "an object";
    return Status::InvalidArgument(field + ": expected " + what + ", got " + got);
  }

  const Object& object_;
};

// Sets two flags from a list of allowed words, e.g. ops ["put","delete"].
Status ParseFlags(const FieldReader& r, const std::string& field, const char* first,
                  const char* second, bool* has_first, bool* has_second) {
  SHADEKV_ASSIGN_OR_RETURN(std::vector<std::string> words, r.Strings(field, false, false));
  if (!r.Has(field)) return Status::Ok();
  if (words.empty()) return Status::InvalidArgument(field + ": must not be empty");
  *has_first = *has_second = false;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == first) {
      *has_first = true;
    } else if (words[i] == second) {
      *has_second = true;
    } else {
      return Status::InvalidArgument(field + "[" + std::to_string(i) + "]: \"" + words[i] +
                                     "\" is not one of \"" + first + "\", \"" + second + "\"");
    }
  }
  return Status::Ok();
}

Result<RuleParams> ParseParams(const std::string& type, const FieldReader& r) {
  if (type == "sensitive_prefix") {
    SensitivePrefixRule p;
    SHADEKV_ASSIGN_OR_RETURN(p.prefixes, r.Strings("prefixes", true, false));
    SHADEKV_RETURN_IF_ERROR(ParseFlags(r, "ops", "put", "delete", &p.puts, &p.deletes));
    return RuleParams(p);
  }
  if (type == "mass_delete") {
    MassDeleteRule p;
    SHADEKV_ASSIGN_OR_RETURN(p.max_keys, r.Integer("max_keys", 0));
    SHADEKV_ASSIGN_OR_RETURN(p.window_seconds, r.Integer("window_seconds", 1, kMaxWindowSeconds));
    return RuleParams(p);
  }
  if (type == "user_not_allowed") {
    UserNotAllowedRule p;
    if (!r.Has("allowed_users")) {
      return Status::InvalidArgument(
          "allowed_users: missing (expected a list of strings; \"\" stands for "
          "unauthenticated)");
    }
    SHADEKV_ASSIGN_OR_RETURN(p.allowed_users, r.Strings("allowed_users", false, true));
    return RuleParams(p);
  }
  if (type == "denied_burst") {
    DeniedBurstRule p;
    SHADEKV_ASSIGN_OR_RETURN(p.max_denied, r.Integer("max_denied", 0));
    SHADEKV_ASSIGN_OR_RETURN(p.window_seconds, r.Integer("window_seconds", 1, kMaxWindowSeconds));
    SHADEKV_RETURN_IF_ERROR(
        ParseFlags(r, "group_by", "user", "client_address", &p.per_user, &p.per_client_host));
    return RuleParams(p);
  }
  if (type == "outside_hours") {
    OutsideHoursRule p;
    SHADEKV_ASSIGN_OR_RETURN(std::string hours, r.String("allowed_hours", true, false));
    Status s = ParseHours(hours, &p.allowed);
    if (!s.ok()) return Status::InvalidArgument("allowed_hours: " + s.message());
    if (r.Has("allowed_days")) {
      SHADEKV_ASSIGN_OR_RETURN(std::vector<std::string> days,
                               r.Strings("allowed_days", true, false));
      p.allowed.days_mask = 0;
      for (size_t i = 0; i < days.size(); ++i) {
        s = ParseDay(days[i], &p.allowed);
        if (!s.ok()) {
          return Status::InvalidArgument("allowed_days[" + std::to_string(i) + "]: " + s.message());
        }
      }
    }
    if (r.Has("utc_offset")) {
      SHADEKV_ASSIGN_OR_RETURN(std::string offset, r.String("utc_offset", true, false));
      s = ParseUtcOffset(offset, &p.allowed);
      if (!s.ok()) return Status::InvalidArgument("utc_offset: " + s.message());
    }
    return RuleParams(p);
  }
  if (type == "value_size") {
    ValueSizeRule p;
    SHADEKV_ASSIGN_OR_RETURN(p.max_bytes, r.Integer("max_bytes", 0));
    return RuleParams(p);
  }
  // value_pattern (the caller checked the type is known).
  ValuePatternRule p;
  SHADEKV_ASSIGN_OR_RETURN(p.pattern, r.String("pattern", true, false));
  try {
    // No RE_UTF8: values are bytes, and PCRE rejects invalid UTF-8 subjects.
    p.regex = std::make_shared<const Poco::RegularExpression>(p.pattern, 0, true);
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("pattern: \"" + p.pattern +
                                   "\" is not a valid regular expression: " + e.message());
  }
  SHADEKV_RETURN_IF_ERROR(ParseFlags(r, "targets", "value", "key", &p.match_value, &p.match_key));
  return RuleParams(p);
}

Result<Rule> ParseRule(const Object& object) {
  FieldReader r(object);
  Rule rule;
  SHADEKV_ASSIGN_OR_RETURN(rule.name, r.String("name", true, false));
  SHADEKV_ASSIGN_OR_RETURN(rule.type, r.String("type", true, false));
  auto fields = kTypeFields.find(rule.type);
  if (fields == kTypeFields.end()) {
    std::string known;
    for (const auto& [name, unused] : kTypeFields) known += (known.empty() ? "" : ", ") + name;
    return Status::InvalidArgument("type: unknown rule type \"" + rule.type +
                                   "\" (known: " + known + ")");
  }
  for (const std::string& field : object.getNames()) {
    if (kCommonFields.count(field) == 0 && fields->second.count(field) == 0) {
      return Status::InvalidArgument(field + ": unknown field for a " + rule.type + " rule");
    }
  }
  SHADEKV_ASSIGN_OR_RETURN(rule.severity, r.String("severity", true, false));
  if (kSeverities.count(rule.severity) == 0) {
    return Status::InvalidArgument("severity: \"" + rule.severity +
                                   "\" is not one of low, medium, high, critical");
  }
  SHADEKV_ASSIGN_OR_RETURN(rule.prefix, r.String("prefix", false, true));
  SHADEKV_ASSIGN_OR_RETURN(rule.description, r.String("description", false, true));
  SHADEKV_ASSIGN_OR_RETURN(rule.params, ParseParams(rule.type, r));
  return rule;
}

}  // namespace

Result<std::vector<Rule>> ParseRules(std::string_view json_text) {
  Var root;
  try {
    Poco::JSON::Parser parser;
    root = parser.parse(std::string(json_text));
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("rules file is not valid JSON: " + e.displayText());
  }
  if (root.type() != typeid(Object::Ptr)) {
    return Status::InvalidArgument("rules file: expected a JSON object {\"rules\": [...]}");
  }
  Object::Ptr top = root.extract<Object::Ptr>();
  for (const std::string& field : top->getNames()) {
    if (field != "rules") {
      return Status::InvalidArgument("rules file: unknown top-level field \"" + field +
                                     "\" (only \"rules\")");
    }
  }
  if (!top->has("rules") || top->get("rules").type() != typeid(Array::Ptr)) {
    return Status::InvalidArgument("rules file: \"rules\" must be a list of rule objects");
  }
  Array::Ptr list = top->getArray("rules");
  std::vector<Rule> rules;
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = "rules[" + std::to_string(i) + "]";
    Var item = list->get(static_cast<unsigned>(i));
    if (item.type() != typeid(Object::Ptr)) {
      return Status::InvalidArgument(where + ": expected a rule object");
    }
    Object::Ptr object = item.extract<Object::Ptr>();
    if (object->has("name") && object->get("name").isString()) {
      where += " (\"" + object->getValue<std::string>("name") + "\")";
    }
    Result<Rule> rule = ParseRule(*object);
    if (!rule.ok()) return Status::InvalidArgument(where + ": " + rule.status().message());
    if (!names.insert(rule->name).second) {
      return Status::InvalidArgument(where + ": name: another rule is already named \"" +
                                     rule->name + "\"");
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

}  // namespace shadekv::hunt
