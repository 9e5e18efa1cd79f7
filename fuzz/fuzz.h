// Shared by the libFuzzer targets (docs/reliability.md, "Fuzzing"). Each target feeds libFuzzer's
// bytes to one of the program's own parsers; a crash, a sanitizer report or a broken promise (an
// invariant checked with `fuzz_check`) is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace csd::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits at the first occurrence of `sep`: lets one input carry two parts (a file and a drop-in,
// a script and its environment). Without `sep`, all of it is the first part.
inline std::pair<std::string_view, std::string_view> split_once(std::string_view text, std::string_view sep) {
  auto at = text.find(sep);
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + sep.size())};
}

inline std::vector<std::string> split_all(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == sep) {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

// "A=1;B=two words": an environment for the parsers that expand variables.
inline std::map<std::string, std::string> env_from_line(std::string_view line) {
  std::map<std::string, std::string> env;
  for (const auto& pair : split_all(line, ';')) {
    auto eq = pair.find('=');
    if (eq != std::string::npos) env[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return env;
}

// A private directory made once per process (in memory when /dev/shm is there): targets whose
// parser reads files write the input there. libFuzzer runs one input at a time in a process.
inline const std::string& scratch_dir() {
  // Never destroyed: the exit handler that removes the directory runs after static destructors.
  static const std::string* dir = [] {
    std::string tmpl =
        std::filesystem::is_directory("/dev/shm") ? "/dev/shm/csd-fuzz-XXXXXX" : "/tmp/csd-fuzz-XXXXXX";
    if (!::mkdtemp(tmpl.data())) std::abort();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch_dir(), ignored);
    });
    return new std::string(tmpl);
  }();
  return *dir;
}

// Writes a file plainly (no fsync: the program's own atomic write is not what is fuzzed here).
inline void write_whole(const std::string& path, std::string_view text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), f) != text.size()) std::abort();
  std::fclose(f);
}

// A broken invariant: abort, so libFuzzer saves the input as a crash.
inline void fuzz_check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace csd::fuzz
