// dlopen/dlsym and the checks on a plugin's descriptor, with messages that
// tell an operator which file is wrong and how to fix it.
#include "plugins/host/loaded_library.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstddef>

namespace shadekv::plugin_host {

bool IsValidPluginName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::unique_ptr<LoadedLibrary>> LoadedLibrary::Open(const std::string& path) {
  const std::string where = "--plugin '" + path + "'";
  struct stat st {};
  if (path.empty()) return Status::InvalidArgument("--plugin is empty: give a plugin's .so path");
  if (stat(path.c_str(), &st) != 0) {
    return Status::InvalidArgument(where +
                                   ": no such file; give the path of a built plugin "
                                   "(they are built into build/plugins/)");
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(where + ": not a regular file; give a plugin's .so file");
  }
  // A path without '/' would make dlopen search the library path instead of
  // opening the file the operator named.
  std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::InvalidArgument(where + ": cannot be loaded as a shared object (" +
                                   (why ? why : "unknown dlopen error") +
                                   "); give a plugin built as a MODULE library");
  }
  auto fail = [&](Status s) {
    dlclose(handle);
    return s;
  };
  dlerror();
  void* symbol = dlsym(handle, SHADEKV_PLUGIN_ENTRY_NAME);
  if (symbol == nullptr) {
    return fail(Status::InvalidArgument(
        where + ": has no entry symbol '" SHADEKV_PLUGIN_ENTRY_NAME
                "'; is it a shadekv plugin? Export it with SHADEKV_PLUGIN_EXPORT "
                "(see plugins/include/shadekv/plugin.h)"));
  }
  auto entry = reinterpret_cast<shadekv_plugin_entry_fn>(symbol);
  const shadekv_plugin_descriptor* d = entry();
  if (d == nullptr) {
    return fail(Status::InvalidArgument(where + ": " SHADEKV_PLUGIN_ENTRY_NAME
                                                "() returned no descriptor; fix the plugin"));
  }
  if (d->abi_version != SHADEKV_PLUGIN_ABI_VERSION) {
    return fail(Status::InvalidArgument(
        where + ": built for plugin ABI version " + std::to_string(d->abi_version) +
        ", this shadekv speaks version " + std::to_string(SHADEKV_PLUGIN_ABI_VERSION) +
        "; rebuild the plugin against this shadekv's plugins/include/shadekv/plugin.h"));
  }
  // Version 2 descriptors end at least after shutdown; anything shorter
  // would make us read past the plugin's object.
  constexpr size_t kMinimumSize =
      offsetof(shadekv_plugin_descriptor, shutdown) + sizeof(d->shutdown);
  if (d->struct_size < kMinimumSize) {
    return fail(Status::InvalidArgument(
        where + ": the descriptor's struct_size is " + std::to_string(d->struct_size) +
        ", at least " + std::to_string(kMinimumSize) +
        " is needed; set it to sizeof(shadekv_plugin_descriptor) and rebuild the plugin"));
  }
  if (d->name == nullptr || !IsValidPluginName(d->name)) {
    return fail(Status::InvalidArgument(
        where + ": the descriptor's name '" + (d->name ? d->name : "(null)") +
        "' is not valid; plugin names are 1 to 64 of [a-z0-9_-]; fix the plugin"));
  }
  if (d->init == nullptr || d->on_event == nullptr || d->shutdown == nullptr) {
    return fail(Status::InvalidArgument(where + " (plugin '" + d->name +
                                        "'): the descriptor lacks init, on_event or "
                                        "shutdown; all three are required; fix the plugin"));
  }
  return std::unique_ptr<LoadedLibrary>(new LoadedLibrary(path, handle, d));
}

LoadedLibrary::~LoadedLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

}  // namespace shadekv::plugin_host
