/* Test plugin "future": claims an ABI version this host does not speak.
 * Built with SHORT_DESCRIPTOR=1 it claims the right version but a
 * struct_size too small to hold even the required callbacks. */
#include "shadekv/plugin.h"

#if SHORT_DESCRIPTOR
static const shadekv_plugin_descriptor kDescriptor = {
    SHADEKV_PLUGIN_ABI_VERSION, 8, "short", NULL, NULL, NULL, NULL, NULL, NULL};
#else
static const shadekv_plugin_descriptor kDescriptor = {
    42, sizeof(shadekv_plugin_descriptor), "future", NULL, NULL, NULL, NULL, NULL, NULL};
#endif

SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &kDescriptor;
}
