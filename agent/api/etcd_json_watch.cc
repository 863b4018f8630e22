// Watch response encoding and etcd's response fragmentation.
#include "agent/api/etcd_json_watch.h"

#include <utility>

#include "agent/api/json_writer.h"

namespace shadekv::api {
namespace {

// Events come pre-encoded so fragments are sized without re-encoding.
std::string Encode(const ResponseHeader& header, const watch::WatchResponse& r, bool fragment,
                   const std::string* events, size_t count) {
  std::string out = "{\"result\":";
  JsonObjectWriter w(out);
  AppendHeader(w.Field("header"), header);
  w.Int64AsString("watch_id", r.watch_id);
  w.True("created", r.created);
  w.True("canceled", r.canceled);
  w.Int64AsString("compact_revision", r.compact_revision);
  w.String("cancel_reason", r.cancel_reason);
  w.True("fragment", fragment);
  if (count > 0) {
    std::string& e = w.Field("events");
    e += '[';
    for (size_t i = 0; i < count; ++i) {
      if (i > 0) e += ',';
      e += events[i];
    }
    e += ']';
  }
  w.Close();
  out += '}';
  return out;
}

std::vector<std::string> EncodeEach(const std::vector<store::KeyChange>& changes) {
  std::vector<std::string> out;
  out.reserve(changes.size());
  for (const store::KeyChange& c : changes) out.push_back(EncodeEvent(c));
  return out;
}

}  // namespace

std::string EncodeWatchResponse(const ResponseHeader& header, const watch::WatchResponse& r) {
  std::vector<std::string> events = EncodeEach(r.events);
  return Encode(header, r, false, events.data(), events.size());
}

std::vector<std::string> EncodeWatchResponseLines(const ResponseHeader& header,
                                                  const watch::WatchResponse& r, size_t max_bytes) {
  std::vector<std::string> events = EncodeEach(r.events);
  std::string whole = Encode(header, r, false, events.data(), events.size());
  if (!r.fragment || whole.size() < max_bytes || events.size() < 2) return {std::move(whole)};
  // A fragment's size: the empty fragment, plus the events and their commas
  // and the brackets of "events":[..].
  const size_t base =
      Encode(header, r, true, nullptr, 0).size() + std::string(",\"events\":[]").size();
  std::vector<std::string> lines;
  size_t idx = 0;
  while (idx < events.size()) {
    // One event always goes, however large; more while the line stays below max_bytes.
    size_t count = 1;
    size_t size = base + events[idx].size();
    while (idx + count < events.size() && size + 1 + events[idx + count].size() < max_bytes) {
      size += 1 + events[idx + count].size();
      ++count;
    }
    const bool last = idx + count == events.size();
    lines.push_back(Encode(header, r, !last, &events[idx], count));
    idx += count;
  }
  return lines;
}

}  // namespace shadekv::api
