// A library opened with dlopen(3) as a struct of typed function pointers, loaded once: the one way
// host/ loads libsystemd and libcurl (docs/architecture.md, "Linking").
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

// The functions `Api` holds, and why they could not be loaded ("" when they were).
template <typename Api>
struct Loaded {
  Api api{};
  std::string error;
};

// Opens `soname` and has `bind(lib, api)` take every symbol `Api` holds (bind_symbol), true when
// the library had them all.
template <typename Api, typename Bind>
Loaded<Api> load_library(const char* soname, const char* package, Bind bind) {
  Loaded<Api> l;
  void* lib = open_library(soname, package, l.error);
  if (lib && !bind(lib, l.api))
    l.error = std::string(soname) + " lacks a function conda-systemd needs: " + ::dlerror();
  return l;
}

}  // namespace csd::host
