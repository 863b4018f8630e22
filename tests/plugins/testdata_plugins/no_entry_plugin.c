/* Test plugin without the entry symbol: a shared object, but not a plugin. */
#include "shadekv/plugin.h"

SHADEKV_PLUGIN_EXPORT int shadekv_plugin_entry_misspelled(void) { return 1; }
