/* Test plugin whose descriptor name breaks the naming rule. */
#include "shadekv/plugin.h"

static int32_t Init(const shadekv_plugin_kv* config, size_t count, const shadekv_plugin_host* host,
                    void** state, char* error, size_t error_capacity) {
  (void)config;
  (void)count;
  (void)host;
  (void)state;
  (void)error;
  (void)error_capacity;
  return SHADEKV_PLUGIN_OK;
}

static int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error,
                       size_t error_capacity) {
  (void)state;
  (void)bytes;
  (void)len;
  (void)error;
  (void)error_capacity;
  return SHADEKV_PLUGIN_OK;
}

static void Shutdown(void* state) { (void)state; }

static const shadekv_plugin_descriptor kDescriptor = {SHADEKV_PLUGIN_ABI_VERSION,
                                                      sizeof(shadekv_plugin_descriptor),
                                                      "Bad Name",
                                                      Init,
                                                      OnEvent,
                                                      NULL,
                                                      Shutdown,
                                                      NULL,
                                                      NULL};

SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &kDescriptor;
}
