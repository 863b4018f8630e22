// shadekv-shadow: a read-only mirror of a shadekv cluster fed by the change
// event bus, serving the read side of the etcd v3 JSON gateway.
#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "agent/api/tls_context.h"
#include "agent/watch/watch_hub.h"
#include "shadekv/mirror/mirror_store.h"
#include "shadow/api/shadow_api.h"
#include "shadow/daemon/heartbeat_monitor.h"
#include "shadow/daemon/mirror_history.h"
#include "shadow/daemon/shadow_feeder.h"
#include "shadow/daemon/shadow_options.h"

namespace {

using shadekv::Result;
using shadekv::Status;

void SetUpLogging(const std::string& level) {
  Poco::AutoPtr<Poco::PatternFormatter> format(
      new Poco::PatternFormatter("%Y-%m-%d %H:%M:%S.%i %q %s: %t"));
  format->setProperty("times", "UTC");
  Poco::AutoPtr<Poco::FormattingChannel> channel(
      new Poco::FormattingChannel(format, new Poco::ConsoleChannel(std::cerr)));
  Poco::Logger& root = Poco::Logger::root();
  root.setChannel(channel);
  root.setLevel(level == "warn" ? "warning" : level == "info" ? "information" : level);
  for (const char* name : {"shadekv.shadow", "shadekv"}) {
    Poco::Logger::get(name).setChannel(channel);
    Poco::Logger::get(name).setLevel(root.getLevel());
  }
}

// Runtime failures: exit 1 (bad flags exit 2 before anything starts).
int Fail(const Status& status) {
  std::fprintf(stderr, "shadekv-shadow: error: %s\n", status.message().c_str());
  return 1;
}

// The shadow's member id in response headers: FNV-1a of its name, so it is
// stable across restarts and never equal to a primary member's by design of
// the input ("shadow:" prefix).
uint64_t ShadowMemberId(const std::string& name) {
  uint64_t h = 1469598103934665603ull;
  for (char c : "shadow:" + name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  Result<shadekv::shadow::ShadowOptions> options =
      shadekv::shadow::ParseShadowOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::fprintf(stderr, "shadekv-shadow: %s\n", options.status().message().c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(shadekv::shadow::ShadowUsage(), stdout);
    return 0;
  }
  if (options->version) {
    std::puts("shadekv-shadow 0.1.0 (etcd API 3.4)");
    return 0;
  }
  SetUpLogging(options->log_level);
  Poco::Logger& log = Poco::Logger::get("shadekv.shadow");
  // Bad certificate files stop us before anything is opened or bound.
  Poco::Net::Context::Ptr server_tls;
  const bool serves_tls =
      std::any_of(options->listen_urls.begin(), options->listen_urls.end(),
                  [](const std::string& url) { return url.rfind("https://", 0) == 0; });
  if (serves_tls) {
    shadekv::tls::ServerTlsFiles files;
    files.cert_file = options->cert_file;
    files.key_file = options->key_file;
    files.trusted_ca_file = options->trusted_ca_file;
    files.client_cert_auth = options->client_cert_auth;
    Result<Poco::Net::Context::Ptr> tls = shadekv::tls::NewServerContext(files);
    if (!tls.ok()) return Fail(tls.status());
    server_tls = *tls;
  } else if (!options->cert_file.empty() || !options->key_file.empty()) {
    log.warning(
        "no client URL is https while key/cert files are given: TLS is off and the "
        "key/cert files are ignored (like etcd)");
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<shadekv::mirror::MirrorStore>> mirror =
      shadekv::mirror::MirrorStore::Open(options->data_dir);
  if (!mirror.ok()) return Fail(mirror.status());
  shadekv::shadow::MirrorHistory history(mirror->get());
  shadekv::watch::WatchHub hub(&history, shadekv::watch::WatchHubOptions{});

  std::optional<shadekv::bus::SubscriberCurve> curve;
  if (!options->bus_curve_key.empty()) {
    Result<shadekv::bus::SubscriberCurve> loaded =
        shadekv::bus::LoadSubscriberCurve(options->bus_curve_key, options->bus_curve_server_keys);
    if (!loaded.ok()) return Fail(loaded.status());
    curve = std::move(loaded).value();
  }
  Result<std::unique_ptr<shadekv::shadow::HeartbeatMonitor>> heartbeats =
      shadekv::shadow::HeartbeatMonitor::Start(options->bus, curve);
  if (!heartbeats.ok()) return Fail(heartbeats.status());

  shadekv::shadow::ShadowFeederOptions feeder_options;
  feeder_options.publishers = options->bus;
  feeder_options.curve = curve;
  feeder_options.retention = options->retention;
  feeder_options.progress_on_tty = isatty(STDERR_FILENO) == 1;
  shadekv::shadow::ShadowFeeder feeder(mirror->get(), &hub, feeder_options);
  Status started = feeder.Start();
  if (!started.ok()) return Fail(started);

  shadekv::shadow::ShadowParts parts;
  parts.name = options->name;
  parts.member_id = ShadowMemberId(options->name);
  parts.publishers = options->bus;
  parts.mirror = mirror->get();
  parts.hub = &hub;
  parts.feeder = &feeder;
  parts.heartbeats = heartbeats->get();
  shadekv::shadow::ShadowApiOptions api_options;
  api_options.listen_urls = options->listen_urls;
  api_options.tls_context = server_tls;
  Result<std::unique_ptr<shadekv::shadow::ShadowApi>> api =
      shadekv::shadow::ShadowApi::Start(api_options, parts);
  if (!api.ok()) {
    feeder.Stop();
    return Fail(api.status());
  }
  std::string urls;
  for (const std::string& url : (*api)->urls()) urls += (urls.empty() ? "" : ",") + url;
  log.information("shadow " + options->name + " (data in " + options->data_dir +
                  ") serving read-only clients on " + urls);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log.information(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                  "; stopping");
  // The API first (its watch streams use the hub), then the writer thread.
  api->reset();
  feeder.Stop();
  return 0;
}
