// See restore_fixture.h.
#include "tests/agent/restore/restore_fixture.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <set>

#include "shadekv/store/mvcc_store.h"

namespace shadekv::restore_testing {

using cluster_testing::Agent;
using cluster_testing::Base64;
using cluster_testing::PickFreePort;
using cluster_testing::Unbase64;

namespace {

Poco::JSON::Object::Ptr Parse(const std::string& body) {
  try {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "not JSON: " << body;
    return new Poco::JSON::Object;
  }
}

int64_t Int(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  return o->has(key) ? std::stoll(o->getValue<std::string>(key)) : 0;
}

}  // namespace

std::string ShadectlBinary() { return SHADECTL_BIN; }

std::vector<int> RestoreFixture::PrepareMembers(const std::vector<std::string>& names) {
  std::set<int> used;
  for (const Agent& a : agents_) {
    used.insert(a.client_port);
    used.insert(a.peer_port);
  }
  std::vector<int> indexes;
  std::string initial;
  for (const std::string& name : names) {
    Agent a;
    a.name = name;
    do {
      a.client_port = PickFreePort();
      a.peer_port = PickFreePort();
    } while (a.client_port == 0 || a.peer_port == 0 || a.client_port == a.peer_port ||
             used.count(a.client_port) || used.count(a.peer_port));
    used.insert(a.client_port);
    used.insert(a.peer_port);
    a.data_dir = root_ + "/" + name + ".data";
    a.log_path = root_ + "/" + name + ".log";
    initial += (initial.empty() ? "" : ",") + name + "=" + a.peer_url();
    indexes.push_back(static_cast<int>(agents_.size()));
    agents_.push_back(a);
  }
  for (int i : indexes) agents_[i].initial_cluster = initial;
  return indexes;
}

std::vector<store::KeyValue> RestoreFixture::RangeAll(int i, int64_t* revision) {
  std::vector<store::KeyValue> out;
  auto reply = Call(i, "/v3/kv/range",
                    "{\"key\":\"" + Base64(std::string(1, '\0')) + "\",\"range_end\":\"" +
                        Base64(std::string(1, '\0')) + "\"}");
  EXPECT_TRUE(reply.ok() && reply->status == 200)
      << (reply.ok() ? reply->body : reply.status().ToString());
  if (!reply.ok()) return out;
  Poco::JSON::Object::Ptr o = Parse(reply->body);
  if (revision != nullptr) *revision = Int(o->getObject("header"), "revision");
  if (!o->has("kvs")) return out;
  Poco::JSON::Array::Ptr kvs = o->getArray("kvs");
  for (size_t k = 0; k < kvs->size(); ++k) {
    Poco::JSON::Object::Ptr kv = kvs->getObject(static_cast<unsigned>(k));
    store::KeyValue v;
    v.key = Unbase64(kv->getValue<std::string>("key"));
    v.value = kv->has("value") ? Unbase64(kv->getValue<std::string>("value")) : "";
    v.create_revision = Int(kv, "create_revision");
    v.mod_revision = Int(kv, "mod_revision");
    v.version = Int(kv, "version");
    v.lease = Int(kv, "lease");
    out.push_back(v);
  }
  return out;
}

uint64_t RestoreFixture::ClusterIdOf(int i) {
  auto reply = Call(i, "/v3/maintenance/status", "{}");
  EXPECT_TRUE(reply.ok());
  if (!reply.ok()) return 0;
  return std::stoull(Parse(reply->body)->getObject("header")->getValue<std::string>("cluster_id"));
}

std::vector<store::KeyValue> RestoreFixture::StoreState(const store::MvccStore& s,
                                                        int64_t revision) {
  store::RangeRequest all;
  all.key = std::string(1, '\0');
  all.range_end = std::string(1, '\0');
  all.revision = revision;
  Result<store::RangeResponse> r = s.Range(all);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->kvs : std::vector<store::KeyValue>{};
}

}  // namespace shadekv::restore_testing
