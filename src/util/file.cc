#include "util/file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "util/fd.h"

namespace csd {

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// "cannot read: Input/output error", of the kind the errno stands for.
Error sys_error(const std::string& path, const char* what, int err, std::string hint = {}) {
  return file_error(path, fmt::format("{}: {}", what, errno_text(err)), std::move(hint))
      .as(kind_of_errno(err));
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

Status write_all(int fd, const std::string& path, const std::string& content) {
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error(path, "cannot write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

}  // namespace

Result<std::string> read_file(const std::string& path, ReadOptions options) {
  // O_NONBLOCK so that opening a FIFO cannot hang us; fstat then rejects it.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if (!options.follow_symlinks) flags |= O_NOFOLLOW;
  Fd fd(::open(path.c_str(), flags));
  if (!fd.valid()) {
    int err = errno;
    if (err == ELOOP && !options.follow_symlinks)
      return file_error(path, "is a symbolic link, which is not accepted here",
                        "replace the link with a regular file")
          .as(ErrorKind::kMalformed);
    if (err == ELOOP) return file_error(path, "symbolic link loop", "fix the link").as(ErrorKind::kMalformed);
    if (err == ENOENT) return file_error(path, "no such file").as(ErrorKind::kNotFound);
    return sys_error(path, "cannot open", err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sys_error(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode))
    return file_error(path, fmt::format("is {}, expected a regular file", kind_of(st.st_mode)))
        .as(ErrorKind::kMalformed);
  if (static_cast<std::size_t>(st.st_size) > options.max_bytes)
    return file_error(path, fmt::format("is {} bytes, more than the {} bytes accepted", st.st_size,
                                        options.max_bytes))
        .as(ErrorKind::kTooLarge);
  std::string data;
  data.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  // The size may change under us; read to EOF but never past the limit.
  for (;;) {
    ssize_t n;
    if (got == data.size()) {
      if (data.size() >= options.max_bytes + 1) break;
      // Usually just the end of the file: probe it with a small read rather than growing (and
      // zero-filling) the buffer first; check reads a few dozen files at every start.
      char probe[4096];
      n = ::read(fd.get(), probe, std::min(sizeof probe, options.max_bytes + 1 - got));
      if (n > 0) data.append(probe, static_cast<std::size_t>(n));
    } else {
      n = ::read(fd.get(), data.data() + got, data.size() - got);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error(path, "cannot read", errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > options.max_bytes)
    return file_error(path,
                      fmt::format("grew past the {} bytes accepted while being read", options.max_bytes))
        .as(ErrorKind::kTooLarge);
  data.resize(got);
  return data;
}

Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode, bool sync) {
  std::string dir = parent_dir(path);
  std::random_device rd;
  std::string tmp = fmt::format("{}/.{}.tmp-{:08x}", dir, base_name(path), rd());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.valid())
    return sys_error(tmp, "cannot create", errno, "check that the directory exists and is writable");
  auto fail = [&](const std::string& what) -> Status {
    int err = errno;
    ::unlink(tmp.c_str());
    return sys_error(path, what.c_str(), err);
  };
  if (Status written = write_all(fd.get(), path, content); !written) {
    ::unlink(tmp.c_str());
    return written;
  }
  if (::fchmod(fd.get(), mode) != 0) return fail("cannot set mode");
  if (sync && ::fsync(fd.get()) != 0) return fail("cannot fsync");
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename into place");
  if (!sync) return ok_status();
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.valid()) ::fsync(dfd.get());
  return ok_status();
}

Status write_output_file(const std::string& path, const std::string& content, unsigned mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return sys_error(path, "cannot stat", errno);
    struct stat lst {};
    if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode))
      return file_error(path, "is a symbolic link to a missing file", "write to the link's target instead");
    return write_file_atomic(path, content, mode);
  }
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    // O_NONBLOCK is not set: a FIFO waits for its reader, as a shell redirection does.
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) return sys_error(path, "cannot open", errno);
    return write_all(fd.get(), path, content);
  }
  if (!S_ISREG(st.st_mode))
    return file_error(path, fmt::format("is {}, not a file to write", kind_of(st.st_mode)),
                      "name a regular file, a character device or a FIFO");
  // A regular file, possibly behind links: replace the file the links lead to, not the links.
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (!resolved) return sys_error(path, "cannot resolve", errno);
  std::string target = resolved;
  ::free(resolved);
  return write_file_atomic(target, content, mode);
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string parent_dir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string base_name(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  // One allocation: `dir + "/" + name` grows the string twice (check joins every drop-in path).
  std::string path;
  path.reserve(dir.size() + 1 + name.size());
  path.append(dir);
  if (dir.back() != '/') path.push_back('/');
  path.append(name);
  return path;
}

}  // namespace csd
