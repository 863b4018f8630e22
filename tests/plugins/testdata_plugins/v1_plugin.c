/* Test plugin "old": a complete, working plugin as built against ABI
 * version 1, whose descriptor had no struct_size and no applied_revision or
 * on_snapshot. Its layout is spelled out here because the header now
 * describes version 2: the host must refuse it by its version (read at
 * offset 0 in every version) before touching any other field. */
#include <stddef.h>
#include <stdint.h>

#include "shadekv/plugin.h"

typedef struct v1_descriptor {
  uint32_t abi_version;
  const char* name;
  int32_t (*init)(const shadekv_plugin_kv*, size_t, const shadekv_plugin_host*, void**, char*,
                  size_t);
  int32_t (*on_event)(void*, const uint8_t*, size_t, char*, size_t);
  int32_t (*on_request)(void*, const uint8_t*, size_t, char*, size_t);
  void (*shutdown)(void*);
} v1_descriptor;

static int32_t Init(const shadekv_plugin_kv* config, size_t count, const shadekv_plugin_host* host,
                    void** state, char* error, size_t error_capacity) {
  (void)config, (void)count, (void)host, (void)error, (void)error_capacity;
  *state = NULL;
  return SHADEKV_PLUGIN_OK;
}

static int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error, size_t cap) {
  (void)state, (void)bytes, (void)len, (void)error, (void)cap;
  return SHADEKV_PLUGIN_OK;
}

static void Shutdown(void* state) { (void)state; }

static const v1_descriptor kDescriptor = {1u, "old", Init, OnEvent, NULL, Shutdown};

SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return (const shadekv_plugin_descriptor*)(const void*)&kDescriptor;
}
