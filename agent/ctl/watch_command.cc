// `watch`: one streaming POST to /v3/watch, printed as it arrives. A stream
// that breaks (member restarting or killed) is resumed from the revision after
// the last one seen, on the first endpoint that answers, so nothing is missed
// or repeated; a stream the server cancels (compaction) ends the command.
#include <chrono>
#include <thread>

#include "agent/ctl/child_process.h"
#include "agent/ctl/commands.h"
#include "agent/ctl/go_format.h"
#include "agent/ctl/signal_stopper.h"
#include "agent/ctl/watch_format.h"
#include "agent/ctl/watch_request.h"

namespace shadekv::ctl {

namespace {

// etcdctl's ExitInterrupted.
constexpr int kExitInterrupted = 5;

// Go's %q of a []string: ["sh" "-c" "exit 3"].
std::string QuoteList(const std::vector<std::string>& words) {
  std::string out = "[";
  for (size_t i = 0; i < words.size(); ++i) out += (i > 0 ? " " : "") + GoQuote(words[i]);
  return out + "]";
}

}  // namespace

int RunWatch(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.GetBool("interactive")) {
    return Fail(env, kExitBadFeature,
                Status::Unimplemented("interactive watch (-i) is not supported by shadectl"));
  }
  Result<WatchCommandArgs> args = ParseWatchArgs(flags);
  if (!args.ok()) return Fail(env, kExitBadArgs, args.status());
  if (env.print.format == OutputFormat::kTable) {
    return Fail(env, kExitBadFeature,
                Status::Unimplemented("table not supported as output format"));
  }
  CancelToken token;
  SignalStopper stopper(&token);
  WatchSpec spec = args->spec;
  bool ever_created = false;
  while (true) {
    bool canceled = false;
    bool exec_failed = false;
    Status status = env.client.Stream(
        "/v3/watch", WatchCreateBody(spec), std::chrono::nanoseconds(0), &token,
        [&](const Poco::JSON::Object::Ptr& result) {
          const int64_t revision = WatchHeaderRevision(result);
          if (IsWatchCreated(result) && !IsWatchCanceled(result)) {
            ever_created = true;
            // "From now" becomes a fixed revision, so a resumed stream
            // neither misses nor repeats events.
            if (spec.start_revision == 0) spec.start_revision = revision + 1;
            return true;
          }
          if (IsWatchCanceled(result)) {
            canceled = true;
            env.out.flush();
            env.err << WatchCanceledLine(result) << std::flush;
            if (env.print.format == OutputFormat::kJson) {
              env.out << *FormatWatchResponse(result, env.print) << std::flush;
            }
            return false;
          }
          if (IsWatchProgress(result)) {
            if (env.print.format == OutputFormat::kJson) {
              env.out << *FormatWatchResponse(result, env.print) << std::flush;
            } else if (spec.progress_notify) {
              env.out << "progress notify: " << revision << "\n" << std::flush;
            }
            return true;
          }
          env.out << *FormatWatchResponse(result, env.print) << std::flush;
          if (revision >= spec.start_revision) spec.start_revision = revision + 1;
          for (size_t i = 0; i < WatchEventCount(result) && !args->exec.empty(); ++i) {
            Result<int> ran = RunChild(args->exec, {}, WatchEventEnvironment(result, i), &token);
            std::string error;
            if (!ran.ok()) {
              error = ran.status().message();
            } else if (*ran != 0) {
              error = DescribeWaitStatus(*ran);
            }
            if (!error.empty()) {
              env.err << "command " << QuoteList(args->exec) << " error (" << error << ")\n"
                      << std::flush;
              exec_failed = true;
              return false;
            }
          }
          return true;
        });
    if (exec_failed) return kExitError;
    if (canceled) {
      return Fail(env, kExitInterrupted, Status::Cancelled("watch is canceled by the server"));
    }
    if (token.stopped()) return kExitSuccess;
    // Nothing worked yet: bad input or no server. Say so instead of retrying.
    if (!ever_created || (!status.ok() && status.code() != StatusCode::kUnavailable &&
                          status.code() != StatusCode::kDeadlineExceeded)) {
      if (status.ok()) status = Status::Unavailable("the server ended the watch stream");
      return Fail(env, kExitError, status);
    }
    // Resume after a short pause; the pause ends early on SIGINT/SIGTERM.
    for (int i = 0; i < 25 && !token.stopped(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (token.stopped()) return kExitSuccess;
  }
}

}  // namespace shadekv::ctl
