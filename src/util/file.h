// Reading outside input safely and writing files so no reader sees half of one.
#pragma once

#include <cstddef>
#include <string>

#include "util/error.h"

namespace csd {

struct ReadOptions {
  std::size_t max_bytes = 1 << 20;
  // Flags and PID files are never read through a link: a link there is an attack or a mistake.
  bool follow_symlinks = true;
};

// Reads a regular file whole. Refuses directories, FIFOs, devices, files over max_bytes and,
// unless allowed, symlinks; each with an error that names the path.
Result<std::string> read_file(const std::string& path, ReadOptions options = {});

// Writes through a temporary file in the same directory, fsync, rename, fsync of the directory:
// a crash leaves either the old file or the new one, never a mix. With `sync` false the two
// fsyncs are skipped: still atomic for readers and when the writer is killed (the page cache
// outlives the process), not against a power loss, and an EIO of the disk goes unnoticed.
Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644,
                         bool sync = true);

// Writes a file the user named on the command line (`--output FILE`), as a plain tool's `>` would
// but never by replacing what is there: a character device or FIFO is written into, a symbolic
// link is followed and its target written (atomically when that is a regular file), a missing or
// regular file is written atomically. A directory, socket or block device is refused.
Status write_output_file(const std::string& path, const std::string& content, unsigned mode = 0644);

bool path_exists(const std::string& path);
bool is_directory(const std::string& path);
bool is_executable_file(const std::string& path);

// "a/b/c" -> "a/b"; "/c" -> "/".
std::string parent_dir(const std::string& path);
std::string base_name(const std::string& path);
std::string join_path(const std::string& dir, const std::string& name);

}  // namespace csd
