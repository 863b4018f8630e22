/* Test plugin "future": claims an ABI version this host does not speak. */
#include "shadekv/plugin.h"

static const shadekv_plugin_descriptor kDescriptor = {
    42, sizeof(shadekv_plugin_descriptor), "future", NULL, NULL, NULL, NULL, NULL, NULL};

SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &kDescriptor;
}
