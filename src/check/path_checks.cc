// The runtime directories on disk: who may write the restart flag.
#include <fmt/format.h>
#include <sys/stat.h>

#include "check/context.h"
#include "util/file.h"

namespace csd::check {

void check_runtime_dirs(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  // Whoever can write the flag's directory can ask for restarts (or plant a symlink there).
  std::string dir = parent_dir(c.paths.restart_flag);
  struct stat st {};
  if (::stat(ctx.root.map(dir).c_str(), &st) != 0) return;  // created by systemd at start
  bool sticky = (st.st_mode & S_ISVTX) != 0;
  if ((st.st_mode & S_IWOTH) != 0 || ((st.st_mode & S_IWGRP) != 0 && sticky)) {
    report.add({.code = "CSD130",
                .file = dir,
                .message = "other users can write the restart flag's directory",
                .expected = "mode 0750 or stricter, owned by " + c.service.user,
                .found = fmt::format("mode {:04o}", st.st_mode & 07777),
                .fix = fmt::format("chmod o-w {} (RuntimeDirectoryMode=0750 in the rendered units)", dir)});
  }
}

}  // namespace csd::check
