// Threads and connections are created once; the warm-up and the measured
// phase reuse them, so the measured phase never pays for a TCP handshake.
#include "bench/shadekv_bench/request_load.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "bench/bus_bench/put_load.h"
#include "bench/bus_bench/token_bucket.h"
#include "bench/shadekv_bench/gateway_client.h"
#include "bench/shadekv_bench/workload.h"

namespace shadekv::bench {
namespace {

struct Connection {
  Connection(const Endpoint& endpoint, int timeout_ms) : client(endpoint, timeout_ms) {}
  std::mutex mu;
  GatewayClient client;  // guarded by mu
};

struct ClientStats {
  uint64_t requests = 0;
  uint64_t ok = 0;
  std::map<std::string, uint64_t> errors;
  std::string first_error;
  LatencyHistogram latency;
};

struct Shared {
  const BenchFlags* flags = nullptr;
  std::string prefix;
  std::string value;
  int64_t deadline_ns = 0;
  std::vector<std::unique_ptr<Connection>> conns;
  std::vector<int64_t> lease_ids;  // lease-keepalive: one per client
  // put/txn-put/mixed: which key indices a request wrote (1 = acknowledged).
  std::unique_ptr<std::atomic<uint8_t>[]> written;
  int64_t delete_limit = 0;  // delete: keys loaded, so the highest index + 1
  std::atomic<int64_t> next{0};
  std::atomic<uint64_t> progress_ok{0};
  std::atomic<uint64_t> progress_err{0};
  std::atomic<bool> uncertain{false};
  std::atomic<int64_t> deleted{0};  // delete: acknowledged deletes, warm-up included
  std::mutex bucket_mu;
  std::unique_ptr<TokenBucket> bucket;  // guarded by bucket_mu; null without --rate
};

// One phase: indices [first, first + count) or, with count < 0, until end_ns.
struct Phase {
  int64_t first = 0;
  int64_t count = 0;
  int64_t end_ns = 0;
  bool record = false;
};

int TimeoutMs(int64_t deadline_ns) {
  return static_cast<int>(
      std::clamp<int64_t>((deadline_ns - SteadyNowNs()) / 1'000'000, 1, 3'600'000));
}

void CountError(ClientStats& stats, const std::string& kind, const std::string& detail) {
  ++stats.errors[kind];
  if (stats.first_error.empty()) stats.first_error = kind + ": " + detail;
}

void ClientLoop(Shared& s, const Phase& phase, int client, ClientStats* stats) {
  const BenchFlags& f = *s.flags;
  Connection& conn = *s.conns[static_cast<size_t>(client) % s.conns.size()];
  KeyChooser chooser(f.key_space_size, f.sequential_keys, f.seed * 7919 + client);
  std::mt19937_64 coin(f.seed * 104729 + client);
  std::uniform_real_distribution<double> unit(0, 1);
  const bool serializable = f.consistency == "s";
  for (;;) {
    const int64_t n = s.next.fetch_add(1);
    if (phase.count >= 0 && n >= phase.first + phase.count) return;
    int64_t now = SteadyNowNs();
    if (phase.count < 0 && now >= phase.end_ns) return;
    if (now >= s.deadline_ns) {
      if (phase.record) {
        ++stats->requests;  // the request it would have sent counts as failed
        CountError(*stats, "deadline", "the run's --timeout passed");
      }
      return;
    }
    if (s.bucket) {
      int64_t send_at = 0;
      {
        std::lock_guard<std::mutex> lock(s.bucket_mu);
        send_at = s.bucket->Reserve(now);
      }
      if (send_at >= s.deadline_ns || (phase.count < 0 && send_at >= phase.end_ns)) return;
      std::this_thread::sleep_until(
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(send_at)));
    }

    std::string path = "/v3/kv/put";
    std::string body;
    int64_t index = -1;
    bool is_range = false;
    bool is_write = false;
    switch (f.workload) {
      case Workload::kPut:
        index = chooser.Next(n);
        body = PutBody(KeyOf(s.prefix, f.key_size, index), s.value);
        is_write = true;
        break;
      case Workload::kRange:
        path = "/v3/kv/range";
        body = RangeBody(KeyOf(s.prefix, f.key_size, chooser.Next(n)), serializable);
        break;
      case Workload::kTxnPut:
        path = "/v3/kv/txn";
        index = chooser.Next(n);
        body = TxnPutBody(KeyOf(s.prefix, f.key_size, index), s.value);
        is_write = true;
        break;
      case Workload::kDelete:
        if (n >= s.delete_limit) return;  // every loaded key is gone
        path = "/v3/kv/deleterange";
        body = DeleteBody(KeyOf(s.prefix, f.key_size, n));
        break;
      case Workload::kMixed:
        index = chooser.Next(n);
        is_range = unit(coin) < f.read_ratio;
        if (is_range) {
          path = "/v3/kv/range";
          body = RangeBody(KeyOf(s.prefix, f.key_size, index), serializable);
        } else {
          body = PutBody(KeyOf(s.prefix, f.key_size, index), s.value);
          is_write = true;
        }
        break;
      case Workload::kLeaseKeepalive:
        path = "/v3/lease/keepalive";
        body = LeaseIdBody(s.lease_ids[static_cast<size_t>(client)]);
        break;
      case Workload::kWatch:
        return;  // watch_load.h runs it
    }

    const int64_t start = SteadyNowNs();
    Result<HttpReply> reply = [&] {
      std::lock_guard<std::mutex> lock(conn.mu);
      return conn.client.Post(path, body);
    }();
    const int64_t end = SteadyNowNs();
    ReplyVerdict verdict;
    if (!reply.ok()) {
      verdict.kind = "transport";
      verdict.detail = reply.status().message();
    } else {
      verdict = JudgeReply(f.workload, reply->status, reply->body, is_range);
    }
    if (is_write && !verdict.ok() &&
        (verdict.kind == "transport" || verdict.kind.rfind("http_5", 0) == 0 ||
         verdict.kind == "grpc_code_14" || verdict.kind == "grpc_code_4")) {
      s.uncertain = true;  // the write may have been applied before the failure
    }
    if (verdict.ok()) {
      if (is_write) s.written[static_cast<size_t>(index)].store(1, std::memory_order_relaxed);
      if (f.workload == Workload::kDelete) s.deleted.fetch_add(1);
      s.progress_ok.fetch_add(1, std::memory_order_relaxed);
    } else {
      s.progress_err.fetch_add(1, std::memory_order_relaxed);
    }
    if (!phase.record) {
      if (!verdict.ok() && stats->first_error.empty()) {
        stats->first_error = "warm-up " + verdict.kind + ": " + verdict.detail;
      }
      continue;
    }
    ++stats->requests;
    if (verdict.ok()) {
      ++stats->ok;
      stats->latency.Record(end - start);
    } else {
      CountError(*stats, verdict.kind, verdict.detail);
    }
  }
}

std::vector<ClientStats> RunPhase(Shared& s, const Phase& phase, bool show_progress) {
  const int clients = s.flags->clients;
  std::vector<ClientStats> stats(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back(ClientLoop, std::ref(s), std::cref(phase), c,
                         &stats[static_cast<size_t>(c)]);
  }
  std::atomic<bool> done{false};
  std::thread progress;
  if (show_progress) {
    progress = std::thread([&] {
      const int64_t start = SteadyNowNs();
      const uint64_t ok0 = s.progress_ok.load();
      const uint64_t err0 = s.progress_err.load();
      // Bounded by the phase: the loop ends when the client threads are joined.
      while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const uint64_t ok = s.progress_ok.load() - ok0;
        const uint64_t err = s.progress_err.load() - err0;
        const double secs = static_cast<double>(SteadyNowNs() - start) / 1e9;
        std::fprintf(stderr, "\r%s%s: %llu ok, %llu errors, %.1f s, %.0f req/s   ",
                     phase.record ? "" : "warm-up ", WorkloadName(s.flags->workload).c_str(),
                     static_cast<unsigned long long>(ok), static_cast<unsigned long long>(err),
                     secs, secs > 0 ? static_cast<double>(ok) / secs : 0.0);
      }
      std::fprintf(stderr, "\n");
    });
  }
  for (std::thread& t : threads) t.join();
  done = true;
  if (progress.joinable()) progress.join();
  return stats;
}

// Untimed, parallel puts of keys [0, count) so ranges, mixed and deletes
// find what they look for.
Status Preload(Shared& s, int64_t count, bool show_progress) {
  std::atomic<int64_t> next{0};
  std::mutex mu;
  Status first = Status::Ok();
  auto loop = [&](int client) {
    Connection& conn = *s.conns[static_cast<size_t>(client) % s.conns.size()];
    for (;;) {
      const int64_t i = next.fetch_add(1);
      if (i >= count) return;
      if (SteadyNowNs() >= s.deadline_ns) {
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok())
          first = Status::DeadlineExceeded("preloading timed out at key " + std::to_string(i));
        return;
      }
      Result<HttpReply> reply = [&] {
        std::lock_guard<std::mutex> lock(conn.mu);
        return conn.client.Post("/v3/kv/put",
                                PutBody(KeyOf(s.prefix, s.flags->key_size, i), s.value));
      }();
      Status st = !reply.ok() ? reply.status()
                  : reply->status != 200
                      ? Status::Unavailable("preload put answered HTTP " +
                                            std::to_string(reply->status) + ": " + reply->body)
                      : Status::Ok();
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) first = st;
        next = count;  // stop the others too
        return;
      }
      if (show_progress && i % 10000 == 0) {
        std::fprintf(stderr, "\rpreloading: %lld of %lld keys   ", static_cast<long long>(i),
                     static_cast<long long>(count));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < s.flags->clients; ++c) threads.emplace_back(loop, c);
  for (std::thread& t : threads) t.join();
  if (show_progress) std::fprintf(stderr, "\n");
  return first;
}

// A serializable read on a follower may lag the leader; one linearizable read
// of the last preloaded key on every endpoint makes each member catch up with
// the preload before the measured reads, so they find their keys.
Status WaitForPreloadEverywhere(Shared& s, int64_t last_index) {
  const std::string body = RangeBody(KeyOf(s.prefix, s.flags->key_size, last_index), false);
  for (size_t c = 0; c < s.conns.size() && c < s.flags->endpoints.size(); ++c) {
    Connection& conn = *s.conns[c];
    std::lock_guard<std::mutex> lock(conn.mu);
    SHADEKV_ASSIGN_OR_RETURN(HttpReply reply, conn.client.Post("/v3/kv/range", body));
    ReplyVerdict verdict = JudgeReply(Workload::kRange, reply.status, reply.body, false);
    if (!verdict.ok()) {
      return Status::Unavailable("after the preload, a linearizable range on " +
                                 conn.client.endpoint().ToString() + " got " + verdict.kind + ": " +
                                 verdict.detail);
    }
  }
  return Status::Ok();
}

Status GrantLeases(Shared& s) {
  for (int c = 0; c < s.flags->clients; ++c) {
    Connection& conn = *s.conns[static_cast<size_t>(c) % s.conns.size()];
    std::lock_guard<std::mutex> lock(conn.mu);
    SHADEKV_ASSIGN_OR_RETURN(
        HttpReply reply, conn.client.Post("/v3/lease/grant", LeaseGrantBody(s.flags->lease_ttl)));
    if (reply.status != 200) {
      return Status::Unavailable("lease grant answered HTTP " + std::to_string(reply.status) +
                                 ": " + reply.body);
    }
    SHADEKV_ASSIGN_OR_RETURN(int64_t id, ReadLeaseId(reply.body));
    s.lease_ids.push_back(id);
  }
  return Status::Ok();
}

void RevokeLeases(Shared& s) {
  Connection& conn = *s.conns.front();
  std::lock_guard<std::mutex> lock(conn.mu);
  for (int64_t id : s.lease_ids) {
    (void)conn.client.Post("/v3/lease/revoke", LeaseIdBody(id));  // best effort: they expire anyway
  }
}

}  // namespace

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

Result<LoadOutcome> RunRequestLoad(const BenchFlags& flags, const std::string& prefix,
                                   int64_t deadline_ns, bool show_progress) {
  Shared s;
  s.flags = &flags;
  s.prefix = prefix;
  s.value.assign(static_cast<size_t>(flags.val_size), 'v');
  s.deadline_ns = deadline_ns;
  for (int c = 0; c < flags.conns; ++c) {
    const Endpoint& endpoint = flags.endpoints[static_cast<size_t>(c) % flags.endpoints.size()];
    s.conns.push_back(std::make_unique<Connection>(endpoint, TimeoutMs(deadline_ns)));
  }
  const bool writes = flags.workload == Workload::kPut || flags.workload == Workload::kTxnPut ||
                      flags.workload == Workload::kMixed;
  if (writes) {
    s.written = std::make_unique<std::atomic<uint8_t>[]>(static_cast<size_t>(flags.key_space_size));
  }
  const bool by_duration = flags.duration_s > 0;
  int64_t preload = 0;
  if (flags.workload == Workload::kRange || flags.workload == Workload::kMixed) {
    preload = flags.key_space_size;
  } else if (flags.workload == Workload::kDelete) {
    preload = by_duration ? flags.key_space_size : flags.warmup + flags.total;
    s.delete_limit = preload;
  }
  if (preload > 0) {
    SHADEKV_RETURN_IF_ERROR(Preload(s, preload, show_progress));
    if (flags.workload != Workload::kDelete) {
      SHADEKV_RETURN_IF_ERROR(WaitForPreloadEverywhere(s, preload - 1));
    }
    if (flags.workload == Workload::kMixed) {
      for (int64_t i = 0; i < preload; ++i) s.written[static_cast<size_t>(i)] = 1;
    }
  }
  if (flags.workload == Workload::kLeaseKeepalive) SHADEKV_RETURN_IF_ERROR(GrantLeases(s));
  if (flags.rate > 0) {
    // A burst of one request per client: a stalled client may catch up once,
    // not flood the server with everything it missed.
    s.bucket = std::make_unique<TokenBucket>(flags.rate, std::max(1, flags.clients), SteadyNowNs());
  }

  LoadOutcome out;
  std::string warmup_error;
  if (flags.warmup > 0) {
    Phase warm{0, flags.warmup, 0, false};
    for (const ClientStats& c : RunPhase(s, warm, show_progress)) {
      if (warmup_error.empty()) warmup_error = c.first_error;
    }
    s.next = flags.warmup;  // threads overshoot the counter by one each
  }
  Phase measured{flags.warmup, by_duration ? -1 : flags.total, 0, true};
  const double cpu0 = ProcessCpuSeconds();
  const int64_t start = SteadyNowNs();
  if (by_duration) {
    measured.end_ns =
        std::min<int64_t>(start + static_cast<int64_t>(flags.duration_s * 1e9), deadline_ns);
  }
  std::vector<ClientStats> stats = RunPhase(s, measured, show_progress);
  out.elapsed_s = static_cast<double>(SteadyNowNs() - start) / 1e9;
  out.client_cpu_s = ProcessCpuSeconds() - cpu0;

  for (const ClientStats& c : stats) {
    out.requests += c.requests;
    out.ok += c.ok;
    for (const auto& [kind, count] : c.errors) out.errors[kind] += count;
    if (out.first_error.empty()) out.first_error = c.first_error;
    out.latency.Merge(c.latency);
  }
  if (out.first_error.empty()) out.first_error = warmup_error;
  out.uncertain_writes = s.uncertain.load();

  if (writes) {
    int64_t distinct = 0;
    for (int64_t i = 0; i < flags.key_space_size; ++i)
      distinct += s.written[static_cast<size_t>(i)].load();
    out.expected_keys = distinct;
    out.expected_detail =
        "distinct keys acknowledged" +
        std::string(flags.workload == Workload::kMixed ? ", preload included" : "");
  } else if (flags.workload == Workload::kDelete) {
    const int64_t deleted = s.deleted.load();
    out.expected_keys = preload - deleted;
    out.expected_detail = std::to_string(preload) + " loaded, " + std::to_string(deleted) +
                          " deleted (warm-up included)";
  }
  if (flags.workload == Workload::kLeaseKeepalive) RevokeLeases(s);
  return out;
}

}  // namespace shadekv::bench
