/* shadekv plugin ABI, version 2: the one header a plugin needs.
 *
 * A plugin is a shared object (built as a CMake MODULE library, hidden
 * visibility) that exports exactly one symbol, SHADEKV_PLUGIN_ENTRY_NAME,
 * returning a descriptor. The same plugin runs inside the agent (`shadekv
 * --plugin PATH`) and inside a bus subscriber (`shadekv-sub --plugin PATH`):
 * change events cross this boundary as the very MessagePack bytes that travel
 * on the bus.
 *
 * Rules of the boundary (LevelDB's c.h is the model):
 *  - Pure C, fixed-width types, pointer-plus-length buffers, int32_t result
 *    codes (0 = ok). No C++ types and no exceptions cross it: a plugin written
 *    in C++ catches everything inside its callbacks.
 *  - Buffers handed to a callback are owned by the caller and valid only for
 *    the duration of that call; copy what you keep.
 *  - Error messages go into a caller-owned buffer (`error`, `error_capacity`
 *    bytes, including the terminating NUL), so nobody frees across the line.
 *    The host empties it before each call and logs it when the call fails.
 *  - The host calls init (then applied_revision, if any) once on the loading
 *    thread (start-up), then on_event / on_request / on_snapshot from ONE
 *    thread of the plugin's own (never the agent's Raft or HTTP threads),
 *    then shutdown once on that same thread.
 *    A plugin that starts threads of its own must stop them in shutdown.
 *  - A callback may be slow, block or fail: the host never waits for it on
 *    the agent's paths. Events that do not fit the plugin's bounded queue
 *    are dropped for that plugin and counted (shadekv_plugin_* in /metrics).
 *    A bus subscriber (shadekv-sub) waits for room instead: nothing is lost,
 *    and a plugin that reports its position gets each revision exactly once
 *    across restarts (bus/README.md says exactly what is guaranteed).
 *
 * Versioning: SHADEKV_PLUGIN_ABI_VERSION changes when any existing field or
 * signature changes; the host refuses a plugin built against another version.
 * The host table (shadekv_plugin_host) grows only at its end; a plugin checks
 * `struct_size` before reading a field added later (SHADEKV_HOST_HAS). Since
 * version 2 the descriptor has a `struct_size` too and grows the same way:
 * the host treats a field beyond the plugin's struct_size as NULL.
 *
 * History:
 *  1  first release.
 *  2  descriptor: `struct_size` after `abi_version`; two optional callbacks
 *     at the end, `applied_revision` (a plugin that persists its own position
 *     says where it stands, and the host hands it only later events) and
 *     `on_snapshot` (replace the plugin's state with a store snapshot). A
 *     version 1 plugin is refused: rebuild it against this header (set
 *     struct_size = sizeof(shadekv_plugin_descriptor), and NULL for the two
 *     new callbacks if it does not need them).
 */
#ifndef SHADEKV_PLUGIN_H_
#define SHADEKV_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any incompatible change. Never reuse a number. */
#define SHADEKV_PLUGIN_ABI_VERSION 2u

/* The one exported symbol (see shadekv_plugin_entry_fn). */
#define SHADEKV_PLUGIN_ENTRY_NAME "shadekv_plugin_entry"

/* Result codes, for plugin callbacks and host functions alike. Never renumber. */
#define SHADEKV_PLUGIN_OK 0
#define SHADEKV_PLUGIN_ERROR 1       /* generic failure; details in `error` */
#define SHADEKV_PLUGIN_COMPACTED 2   /* read_history: from_revision was compacted away */
#define SHADEKV_PLUGIN_UNAVAILABLE 3 /* the host cannot do this here (e.g. not the agent) */
#define SHADEKV_PLUGIN_STOPPED 4     /* a sink asked to stop early */

/* Log levels for shadekv_plugin_host.log. */
#define SHADEKV_LOG_DEBUG 0
#define SHADEKV_LOG_INFO 1
#define SHADEKV_LOG_WARN 2
#define SHADEKV_LOG_ERROR 3

/* Marks the entry symbol as exported even when built with
 * -fvisibility=hidden (which plugins should be). */
#if defined(__GNUC__)
#define SHADEKV_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SHADEKV_PLUGIN_EXPORT
#endif

/* One configuration entry for a plugin: `--plugin-config NAME.KEY=VALUE`
 * reaches plugin NAME as {KEY, VALUE}. NUL-terminated, UTF-8. */
typedef struct shadekv_plugin_kv {
  const char* key;
  const char* value;
} shadekv_plugin_kv;

/* Receives one committed change event (revision and its MessagePack bytes,
 * exactly as on the bus). Return SHADEKV_PLUGIN_OK to continue, anything
 * else to stop the read early (the host function then returns
 * SHADEKV_PLUGIN_STOPPED). */
typedef int32_t (*shadekv_event_sink_fn)(void* sink_arg, int64_t revision, const uint8_t* bytes,
                                         size_t len);

/* Receives one chunk of a snapshot stream taken at `revision` (the same value
 * for every chunk of one export). Chunks come in order; their concatenation
 * is the store's snapshot format. Return as for shadekv_event_sink_fn. */
typedef int32_t (*shadekv_snapshot_sink_fn)(void* sink_arg, int64_t revision, const uint8_t* chunk,
                                            size_t len);

/* What the embedding process offers a plugin. Any function pointer may be
 * NULL when the process cannot offer it (a bus subscriber has no store
 * history). All functions are thread-safe: a plugin may call them from any
 * of its threads between init and the end of shutdown, never after. */
typedef struct shadekv_plugin_host {
  /* sizeof(shadekv_plugin_host) as the host was built; fields beyond it are
   * absent. Check with SHADEKV_HOST_HAS before using a later field. */
  uint32_t struct_size;
  uint32_t abi_version; /* SHADEKV_PLUGIN_ABI_VERSION of the host */
  void* context;        /* pass back as the first argument of every function below */

  /* Writes one line to the host's log, attributed to the plugin. */
  void (*log)(void* context, int32_t level, const char* message);

  /* Reads committed history: calls `sink` for each event with revision >=
   * from_revision, in revision order, at most `max_events` of them (the
   * chunk bound), and stores in *next_revision the revision to ask for next
   * (one past the last delivered; unchanged input when none). Returns OK,
   * COMPACTED (from_revision is below the compact revision: export a
   * snapshot instead), STOPPED, UNAVAILABLE or ERROR (with `error`). */
  int32_t (*read_history)(void* context, int64_t from_revision, uint32_t max_events,
                          shadekv_event_sink_fn sink, void* sink_arg, int64_t* next_revision,
                          char* error, size_t error_capacity);

  /* Streams a consistent snapshot of the whole store to `sink` in chunks of
   * bounded size, and stores its revision in *revision. Returns OK, STOPPED,
   * UNAVAILABLE or ERROR (with `error`). */
  int32_t (*export_snapshot)(void* context, shadekv_snapshot_sink_fn sink, void* sink_arg,
                             int64_t* revision, char* error, size_t error_capacity);

  /* The latest applied revision and the compact revision (history below it
   * is gone). Returns OK, UNAVAILABLE or ERROR. */
  int32_t (*revisions)(void* context, int64_t* current_revision, int64_t* compact_revision);

  /* Added after the first release of ABI 1: check SHADEKV_HOST_HAS(host,
   * identity). The member id and cluster id of the embedding agent (what a
   * publisher puts in its heartbeats). Returns OK or UNAVAILABLE. */
  int32_t (*identity)(void* context, uint64_t* member_id, uint64_t* cluster_id);
} shadekv_plugin_host;

/* True when `host` was built with field `field` (ABI growth guard). */
#define SHADEKV_HOST_HAS(host, field)                                              \
  ((host) != NULL && (host)->struct_size >= offsetof(shadekv_plugin_host, field) + \
                                                sizeof(((shadekv_plugin_host*)0)->field))

/* The descriptor a plugin exports. Must stay valid while the library is
 * loaded (a static const object). */
typedef struct shadekv_plugin_descriptor {
  uint32_t abi_version; /* SHADEKV_PLUGIN_ABI_VERSION the plugin was built with */
  /* sizeof(shadekv_plugin_descriptor) as the plugin was built (ABI 2 on);
   * fields beyond it are absent and read as NULL by the host. */
  uint32_t struct_size;
  /* The plugin's name: [a-z0-9_-]+, unique among loaded plugins; selects its
   * `--plugin-config NAME.KEY=VALUE` entries. */
  const char* name;

  /* Called once. `config` holds the plugin's own entries (valid during init
   * only; count may be 0;
   * an entry given twice appears twice, the later wins by convention);
   * `host` stays valid until shutdown returns. On success store the
   * plugin's state in *state (may be NULL) and return OK; on failure write
   * a message to `error` and return non-zero: the process refuses to
   * start, printing that message. */
  int32_t (*init)(const shadekv_plugin_kv* config, size_t config_count,
                  const shadekv_plugin_host* host, void** state, char* error,
                  size_t error_capacity);

  /* One committed change event (MessagePack, as on the bus), in revision
   * order. Non-zero = the event failed: counted and logged with `error`;
   * the next event still comes. */
  int32_t (*on_event)(void* state, const uint8_t* bytes, size_t len, char* error,
                      size_t error_capacity);

  /* Optional (NULL when not implemented): the agent's request-level view,
   * one MessagePack record per client request, denied ones included. Never
   * called inside a bus subscriber. Return codes as for on_event. */
  int32_t (*on_request)(void* state, const uint8_t* bytes, size_t len, char* error,
                        size_t error_capacity);

  /* Called once, last, with the state from init; free everything here. */
  void (*shutdown)(void* state);

  /* ABI 2, optional (NULL when not implemented): for a plugin that persists
   * its own position atomically with its data. Store in *revision the last
   * revision the plugin has fully applied (0: nothing yet) and return OK.
   * Called once, right after init, on the loading thread. The host then
   * hands this plugin only events (and snapshots) with a higher revision and
   * skips the others silently; a bus subscriber starts its stream at the
   * lowest position its plugins report, so such a plugin sees every revision
   * exactly once across restarts. Non-zero: start-up fails, naming the
   * plugin and the code (there is no error buffer: log the reason through
   * host->log first). */
  int32_t (*applied_revision)(void* state, int64_t* revision);

  /* ABI 2, optional (NULL when not implemented): replace ALL of the plugin's
   * state with this store snapshot (the store's ExportSnapshot format,
   * whole, `len` bytes) taken at `revision`; the next event handed over is
   * revision+1. Called on the plugin's thread, in order with the events. A
   * plugin without it is told nothing (the host logs it once and counts it)
   * and keeps getting events. Return codes as for on_event. */
  int32_t (*on_snapshot)(void* state, int64_t revision, const uint8_t* data, size_t len,
                         char* error, size_t error_capacity);
} shadekv_plugin_descriptor;

/* True when `descriptor` was built with field `field` (ABI growth guard, for
 * hosts; a field beyond struct_size is absent). */
#define SHADEKV_DESCRIPTOR_HAS(descriptor, field)                            \
  ((descriptor) != NULL &&                                                   \
   (descriptor)->struct_size >= offsetof(shadekv_plugin_descriptor, field) + \
                                    sizeof(((shadekv_plugin_descriptor*)0)->field))

/* The type of the exported entry symbol:
 *   SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void);
 * It must not fail and must not allocate: return a pointer to a static. */
typedef const shadekv_plugin_descriptor* (*shadekv_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SHADEKV_PLUGIN_H_ */
