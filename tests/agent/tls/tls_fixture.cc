// Certificates per test and members with an https listener.
#include "tests/agent/tls/tls_fixture.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>

namespace shadekv::tls_testing {

void TlsClusterFixture::SetUp() {
  ClusterFixture::SetUp();
  const std::string dir = root_ + "/certs";
  std::filesystem::create_directories(dir);
  Result<TestCerts> certs = MakeTestCerts(dir);
  ASSERT_TRUE(certs.ok()) << certs.status().message();
  certs_ = *certs;
}

int TlsClusterFixture::StartTlsCluster(int n, const std::vector<std::string>& extra) {
  tls_ports_.clear();
  for (int i = 0; i < n; ++i) tls_ports_.push_back(cluster_testing::PickFreePort());
  StartClusterWithFlags(n, [&](int i) {
    std::vector<std::string> flags = {
        "--listen-client-urls",
        "http://127.0.0.1:" + std::to_string(agents_[i].client_port) + "," + HttpsUrl(i),
        "--advertise-client-urls",
        HttpsUrl(i),
        "--cert-file",
        certs_.server_cert,
        "--key-file",
        certs_.server_key,
    };
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
  });
  std::vector<int> all;
  for (int i = 0; i < n; ++i) all.push_back(i);
  return WaitForLeader(all, milliseconds(20000));
}

std::string FirstValue(const std::string& range_body) {
  try {
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr o = parser.parse(range_body).extract<Poco::JSON::Object::Ptr>();
    Poco::JSON::Array::Ptr kvs = o->getArray("kvs");
    if (kvs.isNull() || kvs->size() == 0) return "";
    return cluster_testing::Unbase64(kvs->getObject(0)->getValue<std::string>("value"));
  } catch (const Poco::Exception&) {
    return "";
  }
}

}  // namespace shadekv::tls_testing
