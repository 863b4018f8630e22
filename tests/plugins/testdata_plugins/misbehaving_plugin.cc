// Test plugins that misbehave, one per build (MISBEHAVIOUR selects it):
//   1 "blocking": each on_event sleeps config "sleep_ms" milliseconds;
//   2 "throwing": odd-numbered events throw std::runtime_error, on_request
//     throws an int; even-numbered events succeed;
//   3 "erroring": every event fails with a message.
// Each appends "shutdown events=N" to config "path" (when given) on shutdown,
// so tests can see that shutdown ran exactly once and after which event.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "shadekv/plugin.h"

namespace {

struct State {
  std::string path;
  long sleep_ms = 0;
  long events = 0;
};

int32_t Init(const shadekv_plugin_kv* config, size_t count, const shadekv_plugin_host*,
             void** state, char*, size_t) {
  auto* s = new State;
  for (size_t i = 0; i < count; ++i) {
    if (std::strcmp(config[i].key, "path") == 0) s->path = config[i].value;
    if (std::strcmp(config[i].key, "sleep_ms") == 0) s->sleep_ms = std::atol(config[i].value);
  }
  *state = s;
  return SHADEKV_PLUGIN_OK;
}

int32_t OnEvent(void* state, const uint8_t*, size_t, char* error, size_t error_capacity) {
  auto* s = static_cast<State*>(state);
  long n = ++s->events;
#if MISBEHAVIOUR == 1
  (void)n;
  (void)error;
  (void)error_capacity;
  std::this_thread::sleep_for(std::chrono::milliseconds(s->sleep_ms));
  return SHADEKV_PLUGIN_OK;
#elif MISBEHAVIOUR == 2
  (void)error;
  (void)error_capacity;
  if (n % 2 == 1) throw std::runtime_error("boom at event " + std::to_string(n));
  return SHADEKV_PLUGIN_OK;
#else
  std::snprintf(error, error_capacity, "rejecting event %ld", n);
  return 7;
#endif
}

int32_t OnRequest(void*, const uint8_t*, size_t, char*, size_t) {
#if MISBEHAVIOUR == 2
  throw 7;
#else
  return SHADEKV_PLUGIN_OK;
#endif
}

void Shutdown(void* state) {
  auto* s = static_cast<State*>(state);
  if (!s->path.empty()) {
    if (FILE* f = std::fopen(s->path.c_str(), "a")) {
      std::fprintf(f, "shutdown events=%ld\n", s->events);
      std::fclose(f);
    }
  }
  delete s;
}

#if MISBEHAVIOUR == 1
constexpr const char* kName = "blocking";
#elif MISBEHAVIOUR == 2
constexpr const char* kName = "throwing";
#else
constexpr const char* kName = "erroring";
#endif

const shadekv_plugin_descriptor kDescriptor = {SHADEKV_PLUGIN_ABI_VERSION,
                                               sizeof(shadekv_plugin_descriptor),
                                               kName,
                                               Init,
                                               OnEvent,
                                               OnRequest,
                                               Shutdown,
                                               nullptr,
                                               nullptr};

}  // namespace

extern "C" SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &kDescriptor;
}
