// shadectl alarm list|disarm and defrag next to etcdctl 3.4 against one real
// etcd 3.4 server: alarms raised through the gateway, then both tools list
// and print the same lines (simple and JSON), refuse arguments alike, and
// report defragmentation with the same line (shadectl adds a size line).
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <chrono>
#include <istream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::ctl::testing {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kCommandDeadline{15000};
constexpr milliseconds kEtcdStartDeadline{30000};

class MaintenanceVsEtcdctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto etcd = EtcdProcess::Start("alarm", kEtcdStartDeadline);
    ASSERT_TRUE(etcd.ok()) << etcd.status().message();
    etcd_ = std::move(etcd).value();
  }

  ProcessResult Run(bool shadectl, std::vector<std::string> args) {
    args.insert(args.begin(),
                {shadectl ? SHADECTL_PATH : "etcdctl", "--endpoints=" + etcd_->endpoint()});
    ProcessResult r = RunProcess(args, "", {{"ETCDCTL_API", "3"}}, kCommandDeadline);
    EXPECT_FALSE(r.timed_out) << ::testing::PrintToString(args);
    return r;
  }

  // Both tools, same server, same arguments: same stdout, exit code and
  // "Error:" line.
  void ExpectSame(const std::vector<std::string>& args) {
    ProcessResult mine = Run(true, args);
    ProcessResult ref = Run(false, args);
    const std::string what = ::testing::PrintToString(args);
    EXPECT_EQ(mine.out, ref.out) << what;
    EXPECT_EQ(mine.exit_code, ref.exit_code) << what << "\nshadectl stderr: " << mine.err;
    EXPECT_EQ(ErrorLine(mine.err), ErrorLine(ref.err)) << what;
  }

  static std::string ErrorLine(const std::string& err) {
    std::istringstream in(err);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Error:", 0) == 0) return line;
    }
    return "";
  }

  // POSTs to the etcd gateway; returns the HTTP status.
  int Post(const std::string& path, const std::string& body) {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(etcd_->client_port()));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string ignored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return static_cast<int>(response.getStatus());
  }

  std::unique_ptr<EtcdProcess> etcd_;
};

TEST_F(MaintenanceVsEtcdctlTest, AlarmListAndDisarmMatchEtcdctl) {
  ExpectSame({"alarm", "list"});
  ExpectSame({"alarm", "list", "-w", "json"});
  ExpectSame({"alarm", "list", "-w", "table"});
  ExpectSame({"alarm", "list", "extra"});
  ExpectSame({"alarm", "disarm", "extra"});
  // One alarm at a time: etcd lists several in Go map order, which varies.
  ASSERT_EQ(Post("/v3/maintenance/alarm",
                 R"({"action":"ACTIVATE","memberID":"123456789","alarm":"NOSPACE"})"),
            200);
  ExpectSame({"alarm", "list"});
  ExpectSame({"alarm", "list", "-w", "json"});
  ProcessResult disarmed = Run(true, {"alarm", "disarm"});
  EXPECT_EQ(disarmed.exit_code, 0) << disarmed.err;
  EXPECT_EQ(disarmed.out, "memberID:123456789 alarm:NOSPACE \n");
  ExpectSame({"alarm", "list"});
  // The same disarm through etcdctl prints the same line.
  ASSERT_EQ(
      Post("/v3/maintenance/alarm", R"({"action":"ACTIVATE","memberID":"0","alarm":"CORRUPT"})"),
      200);
  ExpectSame({"alarm", "list"});
  ProcessResult ref = Run(false, {"alarm", "disarm"});
  EXPECT_EQ(ref.exit_code, 0);
  EXPECT_EQ(ref.out, "alarm:CORRUPT \n");
  ExpectSame({"alarm", "disarm"});  // nothing left: both print nothing
}

TEST_F(MaintenanceVsEtcdctlTest, DefragPrintsEtcdctlsLineThenSizes) {
  ProcessResult ref = Run(false, {"defrag"});
  ProcessResult mine = Run(true, {"defrag"});
  EXPECT_EQ(ref.exit_code, 0);
  EXPECT_EQ(mine.exit_code, 0) << mine.err;
  const std::string line = "Finished defragmenting etcd member[" + etcd_->endpoint() + "]\n";
  EXPECT_EQ(ref.out, line);
  ASSERT_EQ(mine.out.rfind(line, 0), 0u) << mine.out;
  EXPECT_NE(mine.out.find("  db size: "), std::string::npos) << mine.out;
  // etcdctl ignores arguments here; shadectl refuses them (bad input gets a
  // clear error) and defragments nothing.
  ProcessResult extra = Run(true, {"defrag", "extra"});
  EXPECT_EQ(extra.exit_code, 128);
  EXPECT_EQ(ErrorLine(extra.err), "Error: defrag command accepts no arguments");
  EXPECT_EQ(extra.out, "");
}

}  // namespace
}  // namespace shadekv::ctl::testing
