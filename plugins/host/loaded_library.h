// One plugin shared object, opened with dlopen and closed with dlclose when
// this RAII handle goes away (the way cppzmq wraps libzmq's handles). Opening
// checks everything that can be checked before init: the file, the entry
// symbol, the ABI version and the descriptor's shape.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "shadekv/common/status.h"
#include "shadekv/plugin.h"

namespace shadekv::plugin_host {

class LoadedLibrary {
 public:
  // Errors (kInvalidArgument) name `path` and say what to do.
  static Result<std::unique_ptr<LoadedLibrary>> Open(const std::string& path);

  ~LoadedLibrary();
  LoadedLibrary(const LoadedLibrary&) = delete;
  LoadedLibrary& operator=(const LoadedLibrary&) = delete;

  // Keeps the library mapped forever: for a plugin whose thread is stuck in
  // its code, where dlclose would pull the code from under it.
  void Leak() { handle_ = nullptr; }

  const std::string& path() const { return path_; }
  // The plugin's descriptor as this host knows it: fields beyond the
  // plugin's struct_size (an older, smaller descriptor) read as NULL.
  const shadekv_plugin_descriptor& descriptor() const { return descriptor_; }
  std::string name() const { return descriptor_.name; }

 private:
  LoadedLibrary(std::string path, void* handle, const shadekv_plugin_descriptor* descriptor)
      : path_(std::move(path)), handle_(handle), descriptor_{} {
    // A plugin's descriptor may be shorter (built before a field was added)
    // or longer (built later) than ours: copy what both know, zero the rest.
    std::memcpy(&descriptor_, descriptor,
                std::min<size_t>(descriptor->struct_size, sizeof(descriptor_)));
    descriptor_.struct_size = sizeof(descriptor_);
  }

  const std::string path_;
  void* handle_;  // from dlopen; null once leaked
  shadekv_plugin_descriptor descriptor_;
};

// True for a plugin name the ABI allows: [a-z0-9_-]+.
bool IsValidPluginName(const std::string& name);

}  // namespace shadekv::plugin_host
