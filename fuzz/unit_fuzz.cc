// Unit files and drop-ins: the syntax (parse_unit_text) and the unit systemd assembles from a main
// file and a drop-in on disk (load_unit), with its list settings, specifiers and Exec lines.
// An input "MAIN\n---dropin---\nDROPIN" gives both files.
#include "fuzz.h"
#include "systemd/exec_line.h"
#include "systemd/unit_file.h"
#include "systemd/unit_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [main_text, drop_in] = csd::fuzz::split_once(csd::fuzz::as_text(data, size), "\n---dropin---\n");
  auto parsed = csd::systemd::parse_unit_text(main_text, "fuzz.service");
  if (parsed) (void)parsed->assignments();

  const std::string& dir = csd::fuzz::scratch_dir();
  csd::fuzz::write_whole(dir + "/etc/systemd/system/fuzz.service", main_text);
  csd::fuzz::write_whole(dir + "/etc/systemd/system/fuzz.service.d/10-fuzz.conf", drop_in);
  auto unit = csd::systemd::load_unit(csd::Root(dir), "fuzz.service", {"/etc/systemd/system"});
  if (!unit) return 0;
  auto table = unit->specifiers();
  for (const auto& a : unit->values("Service", "ExecStart"))
    (void)csd::systemd::parse_exec_line(a.value, table);
  (void)unit->last("Service", "User");
  return 0;
}
