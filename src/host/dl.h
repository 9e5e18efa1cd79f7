// A symbol of a library opened with dlopen(3), as a typed function pointer.
#pragma once

#include <dlfcn.h>

#include <string>

namespace csd::host {

// dlopen(3) of `soname`, its symbols kept to itself; nullptr with `error` naming the Debian package
// that provides it.
inline void* open_library(const char* soname, const char* package, std::string& error) {
  void* lib = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    error = std::string("cannot load ") + soname + ": " + ::dlerror() + " (apt-get install " + package + ")";
  return lib;
}

template <typename F>
bool bind_symbol(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(lib, name));
  return out != nullptr;
}

}  // namespace csd::host
