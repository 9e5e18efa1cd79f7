// The plain subset of YAML that nearly every .condarc is: top-level `key: value` lines and block
// lists of plain words, with comments. Reading it costs a scan of the file instead of yaml-cpp's
// parser (most of `exec`'s own work when a contract names its environment: docs/performance.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace csd::conda {

// envs_dirs of `text` as YAML reads it, "~" not yet expanded, when every line of `text` is in the
// plain subset: blank; a comment; `key:` or `key: word` at column 0 (key [A-Za-z_][A-Za-z0-9_]*,
// each key once); `- word` under a `key:`, every item of one list at one indent. A word is a plain
// scalar of letters, digits and / . _ ~ $ + - = (not starting with - + =), optionally followed by
// spaces and a comment. Anything else (quotes, flow lists, anchors, tags, nesting, tabs, CR,
// non-ASCII, a null list item, envs_dirs set to a word) is std::nullopt: parse it as YAML.
std::optional<std::vector<std::string>> plain_envs_dirs(std::string_view text);

}  // namespace csd::conda
