/* Test plugin "recording", in plain C (so the ABI header is proven to compile
 * as C): writes one line per call to the file named by config key "path":
 * "init KEY=VALUE ...", "event <hex>", "request <hex>", "shutdown". With
 * config "probe_host=1" it also records what the host table answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shadekv/plugin.h"

typedef struct recorder {
  FILE* out;
} recorder;

static void WriteHex(FILE* out, const char* tag, const uint8_t* bytes, size_t len) {
  size_t i;
  fprintf(out, "%s ", tag);
  for (i = 0; i < len; ++i) fprintf(out, "%02x", bytes[i]);
  fputc('\n', out);
  fflush(out);
}

static int32_t CollectEvent(void* arg, int64_t revision, const uint8_t* bytes, size_t len) {
  FILE* out = (FILE*)arg;
  fprintf(out, "history %lld ", (long long)revision);
  WriteHex(out, "bytes", bytes, len);
  return SHADEKV_PLUGIN_OK;
}

static int32_t CollectChunk(void* arg, int64_t revision, const uint8_t* chunk, size_t len) {
  FILE* out = (FILE*)arg;
  fprintf(out, "snapshot %lld ", (long long)revision);
  WriteHex(out, "chunk", chunk, len);
  return SHADEKV_PLUGIN_OK;
}

static void ProbeHost(FILE* out, const shadekv_plugin_host* host) {
  int64_t current = -1, compact = -1, next = -1, snap = -1;
  char error[256] = {0};
  int32_t rc;
  fprintf(out, "host struct_size=%u abi=%u\n", host->struct_size, host->abi_version);
  if (!SHADEKV_HOST_HAS(host, revisions) || host->revisions == NULL) {
    fprintf(out, "host has no history\n");
    fflush(out);
    return;
  }
  rc = host->revisions(host->context, &current, &compact);
  fprintf(out, "revisions rc=%d current=%lld compact=%lld\n", rc, (long long)current,
          (long long)compact);
  rc =
      host->read_history(host->context, compact, 2, CollectEvent, out, &next, error, sizeof(error));
  fprintf(out, "read_history rc=%d next=%lld error=%s\n", rc, (long long)next, error);
  error[0] = '\0';
  rc = host->read_history(host->context, 1, 2, CollectEvent, out, &next, error, sizeof(error));
  fprintf(out, "read_history_compacted rc=%d error=%s\n", rc, error);
  error[0] = '\0';
  rc = host->export_snapshot(host->context, CollectChunk, out, &snap, error, sizeof(error));
  fprintf(out, "export_snapshot rc=%d revision=%lld\n", rc, (long long)snap);
  fflush(out);
}

static int32_t Init(const shadekv_plugin_kv* config, size_t count, const shadekv_plugin_host* host,
                    void** state, char* error, size_t error_capacity) {
  const char* path = NULL;
  int probe = 0;
  size_t i;
  recorder* r;
  for (i = 0; i < count; ++i) {
    if (strcmp(config[i].key, "path") == 0) path = config[i].value;
    if (strcmp(config[i].key, "probe_host") == 0) probe = strcmp(config[i].value, "1") == 0;
  }
  if (path == NULL) {
    snprintf(error, error_capacity, "recording: config key 'path' is required");
    return SHADEKV_PLUGIN_ERROR;
  }
  r = (recorder*)calloc(1, sizeof(recorder));
  if (r == NULL) return SHADEKV_PLUGIN_ERROR;
  r->out = fopen(path, "w");
  if (r->out == NULL) {
    snprintf(error, error_capacity, "recording: cannot open '%s'", path);
    free(r);
    return SHADEKV_PLUGIN_ERROR;
  }
  fprintf(r->out, "init");
  for (i = 0; i < count; ++i) fprintf(r->out, " %s=%s", config[i].key, config[i].value);
  fputc('\n', r->out);
  fflush(r->out);
  if (host != NULL && host->log != NULL) host->log(host->context, SHADEKV_LOG_INFO, "recording");
  if (probe) ProbeHost(r->out, host);
  *state = r;
  return SHADEKV_PLUGIN_OK;
}

static int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error,
                       size_t error_capacity) {
  (void)error;
  (void)error_capacity;
  WriteHex(((recorder*)state)->out, "event", bytes, len);
  return SHADEKV_PLUGIN_OK;
}

static int32_t OnRequest(void* state, const uint8_t* bytes, size_t len, char* error,
                         size_t error_capacity) {
  (void)error;
  (void)error_capacity;
  WriteHex(((recorder*)state)->out, "request", bytes, len);
  return SHADEKV_PLUGIN_OK;
}

static void Shutdown(void* state) {
  recorder* r = (recorder*)state;
  fprintf(r->out, "shutdown\n");
  fclose(r->out);
  free(r);
}

static const shadekv_plugin_descriptor kDescriptor = {SHADEKV_PLUGIN_ABI_VERSION,
                                                      sizeof(shadekv_plugin_descriptor),
                                                      "recording",
                                                      Init,
                                                      OnEvent,
                                                      OnRequest,
                                                      Shutdown,
                                                      NULL,
                                                      NULL};

SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &kDescriptor;
}
