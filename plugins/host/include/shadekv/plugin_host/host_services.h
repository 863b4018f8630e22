// What the embedding process (the agent, or later shadekv-sub) offers its
// plugins beyond logging: committed history, snapshots and revisions. The
// plugin host turns this C++ interface into the C table of plugin.h
// (shadekv_plugin_host), so plugins never see a C++ type.
//
// Threads: plugins may call in from any of their threads, concurrently with
// the agent's apply thread; an implementation must be thread-safe and must
// not call back into the PluginHost.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::plugin_host {

class HostServices {
 public:
  virtual ~HostServices() = default;

  // Receives one committed event: its revision and its MessagePack bytes (as
  // on the bus), valid only during the call. Return false to stop early.
  using EventSink = std::function<bool(int64_t revision, std::string_view bytes)>;
  // Receives one snapshot chunk taken at `revision`. Return false to stop.
  using ChunkSink = std::function<bool(int64_t revision, std::string_view chunk)>;

  struct Revisions {
    int64_t current = 0;  // latest applied revision
    int64_t compact = 0;  // history below this revision is gone
  };

  // Calls `sink` for each event with revision >= from_revision, in order, at
  // most max_events of them. Returns the revision to ask for next (one past
  // the last delivered, or from_revision when none). Errors: kOutOfRange when
  // from_revision was compacted; kCancelled when the sink stopped early;
  // kUnimplemented/kUnavailable when this process cannot serve history.
  virtual Result<int64_t> ReadHistory(int64_t from_revision, uint32_t max_events,
                                      const EventSink& sink) = 0;

  // Streams a consistent snapshot in bounded chunks; returns its revision.
  // Errors: kCancelled when the sink stopped early, others as above.
  virtual Result<int64_t> ExportSnapshot(const ChunkSink& sink) = 0;

  virtual Result<Revisions> CurrentRevisions() = 0;

  struct Identity {
    uint64_t member_id = 0;
    uint64_t cluster_id = 0;
  };
  // Who this process is in its cluster (for the publisher's heartbeats). Not
  // pure virtual, so hosts written before it still compile: kUnavailable.
  virtual Result<Identity> MemberIdentity() {
    return Status::Unavailable("this host does not know its member identity");
  }
};

}  // namespace shadekv::plugin_host
