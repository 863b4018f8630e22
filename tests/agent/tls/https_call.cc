// Poco HTTPS calls and a stdout-keeping process runner for the TLS tests.
#include "tests/agent/tls/https_call.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace shadekv::tls_testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Result<HttpReply> HttpsCall(int port, const std::string& method, const std::string& path,
                            const std::string& body, const ClientSetup& setup,
                            milliseconds timeout) {
  Poco::Net::initializeSSL();
  try {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, setup.key, setup.cert, setup.ca,
                               Poco::Net::Context::VERIFY_RELAXED, 9, /*loadDefaultCAs=*/false);
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port), context);
    session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count()) * 1000));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpReply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("https://127.0.0.1:" + std::to_string(port) + path + ": " +
                               e.displayText());
  }
}

Result<std::vector<std::string>> HttpsStreamLines(int port, const std::string& path,
                                                  const std::string& body, const ClientSetup& setup,
                                                  milliseconds timeout) {
  Poco::Net::initializeSSL();
  std::vector<std::string> lines;
  try {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, setup.key, setup.cert, setup.ca,
                               Poco::Net::Context::VERIFY_RELAXED, 9, /*loadDefaultCAs=*/false);
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port), context);
    session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count()) * 1000));
    Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string line;
    try {
      while (std::getline(in, line)) lines.push_back(line);
    } catch (const Poco::Exception&) {
      // The stream ended abruptly: keep what arrived.
    }
    return lines;
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("https://127.0.0.1:" + std::to_string(port) + path + ": " +
                               e.displayText());
  }
}

bool WaitHttpsHealthy(int port, const ClientSetup& setup, milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (int attempt = 0; attempt < 1000 && std::chrono::steady_clock::now() < until; ++attempt) {
    Result<HttpReply> r = HttpsCall(port, "GET", "/health", "", setup, milliseconds(2000));
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

Captured RunCaptured(const std::vector<std::string>& argv, const std::string& dir,
                     milliseconds timeout) {
  static int counter = 0;
  const std::string base = dir + "/run" + std::to_string(++counter);
  Captured result;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    int out = open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid < 0) return result;
  const auto until = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool done = false;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      done = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  result.out = ReadFile(base + ".out");
  result.err = ReadFile(base + ".err");
  return result;
}

}  // namespace shadekv::tls_testing
