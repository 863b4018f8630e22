// openssl CLI calls behind MakeTestCerts.
#include "tests/agent/tls/test_certs.h"

#include <fstream>
#include <vector>

#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::tls_testing {
namespace {

using cluster_testing::milliseconds;

Status Run(const std::vector<std::string>& argv, const std::string& dir) {
  cluster_testing::CommandResult r = cluster_testing::RunCommand(argv, dir, milliseconds(30000));
  if (r.exit_code != 0) {
    std::string line;
    for (const std::string& a : argv) line += a + " ";
    return Status::Internal("'" + line + "' exited " + std::to_string(r.exit_code) + ": " + r.err);
  }
  return Status::Ok();
}

Status NewKey(const std::string& dir, const std::string& key) {
  return Run({"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
              "ec_paramgen_curve:P-256", "-out", key},
             dir);
}

Status NewCa(const std::string& dir, const std::string& name) {
  SHADEKV_RETURN_IF_ERROR(NewKey(dir, name + ".key"));
  return Run({"/usr/bin/openssl", "req", "-x509", "-new", "-key", name + ".key", "-out",
              name + ".crt", "-days", "2", "-subj", "/CN=" + name, "-addext",
              "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"},
             dir);
}

// A certificate for `name` signed by CA `ca`, with the given X.509v3 lines.
Status NewLeaf(const std::string& dir, const std::string& ca, const std::string& name,
               const std::string& extensions) {
  SHADEKV_RETURN_IF_ERROR(NewKey(dir, name + ".key"));
  SHADEKV_RETURN_IF_ERROR(Run({"/usr/bin/openssl", "req", "-new", "-key", name + ".key", "-out",
                               name + ".csr", "-subj", "/CN=" + name},
                              dir));
  std::ofstream(dir + "/" + name + ".ext") << extensions;
  return Run({"/usr/bin/openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt",
              "-CAkey", ca + ".key", "-CAcreateserial", "-out", name + ".crt", "-days", "2",
              "-extfile", name + ".ext"},
             dir);
}

}  // namespace

Result<TestCerts> MakeTestCerts(const std::string& dir) {
  SHADEKV_RETURN_IF_ERROR(NewCa(dir, "ca"));
  SHADEKV_RETURN_IF_ERROR(NewLeaf(dir, "ca", "server",
                                  "subjectAltName=IP:127.0.0.1\n"
                                  "extendedKeyUsage=serverAuth,clientAuth\n"));
  SHADEKV_RETURN_IF_ERROR(NewLeaf(dir, "ca", "client", "extendedKeyUsage=clientAuth\n"));
  SHADEKV_RETURN_IF_ERROR(NewCa(dir, "rogue-ca"));
  SHADEKV_RETURN_IF_ERROR(NewLeaf(dir, "rogue-ca", "rogue", "extendedKeyUsage=clientAuth\n"));
  SHADEKV_RETURN_IF_ERROR(NewKey(dir, "stray.key"));
  TestCerts c;
  c.ca = dir + "/ca.crt";
  c.server_cert = dir + "/server.crt";
  c.server_key = dir + "/server.key";
  c.client_cert = dir + "/client.crt";
  c.client_key = dir + "/client.key";
  c.rogue_ca = dir + "/rogue-ca.crt";
  c.rogue_cert = dir + "/rogue.crt";
  c.rogue_key = dir + "/rogue.key";
  c.stray_key = dir + "/stray.key";
  return c;
}

}  // namespace shadekv::tls_testing
