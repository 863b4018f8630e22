// JSON encoding of member records (Poco::JSON).
#include "agent/server/member_directory.h"

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA1Engine.h>

#include <algorithm>

#include <cstdio>
#include <sstream>

namespace shadekv::agent {
namespace {

Poco::JSON::Array::Ptr ToArray(const std::vector<std::string>& items) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const std::string& s : items) array->add(s);
  return array;
}

Result<std::vector<std::string>> FromArray(const Poco::JSON::Object::Ptr& object,
                                           const std::string& field) {
  std::vector<std::string> out;
  if (!object->has(field)) return out;
  Poco::JSON::Array::Ptr array = object->getArray(field);
  if (array.isNull()) return Status::InvalidArgument("member record: " + field + " is not a list");
  for (size_t i = 0; i < array->size(); ++i) {
    if (!array->get(i).isString()) {
      return Status::InvalidArgument("member record: " + field + " holds a non-string");
    }
    out.push_back(array->getElement<std::string>(i));
  }
  return out;
}

}  // namespace

std::string MemberMetaKey(uint64_t id) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(id));
  return std::string(kMemberMetaPrefix) + hex;
}

std::string EncodeMemberRecord(const MemberRecord& record) {
  Poco::JSON::Object object;
  object.set("ID", std::to_string(record.id));
  object.set("name", record.name);
  object.set("peerURLs", ToArray(record.peer_urls));
  object.set("clientURLs", ToArray(record.client_urls));
  object.set("isLearner", record.is_learner);
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Result<MemberRecord> DecodeMemberRecord(const std::string& json) {
  MemberRecord record;
  try {
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr object = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    if (object.isNull()) return Status::InvalidArgument("member record: not a JSON object");
    record.id = std::stoull(object->getValue<std::string>("ID"));
    record.name = object->optValue<std::string>("name", "");
    SHADEKV_ASSIGN_OR_RETURN(record.peer_urls, FromArray(object, "peerURLs"));
    SHADEKV_ASSIGN_OR_RETURN(record.client_urls, FromArray(object, "clientURLs"));
    record.is_learner = object->optValue<bool>("isLearner", false);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("member record '") + json.substr(0, 200) +
                                   "': " + e.what());
  }
  return record;
}

uint64_t ComputeMemberId(std::vector<std::string> peer_urls, const std::string& cluster_token) {
  std::sort(peer_urls.begin(), peer_urls.end());
  Poco::SHA1Engine sha1;
  for (const std::string& url : peer_urls) sha1.update(url);
  sha1.update(cluster_token);
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | digest[i];
  return id == 0 ? 1 : id;  // 0 means "nobody" to Raft
}

uint64_t ComputeClusterId(const std::string& cluster_token) {
  Poco::SHA1Engine sha1;
  sha1.update("shadekv-cluster:" + cluster_token);
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | digest[i];
  return id;
}

}  // namespace shadekv::agent
