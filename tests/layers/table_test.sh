#!/bin/bash
# docs/architecture.md's module table and CMakeLists.txt's csd_module() lines name the same modules
# and, for each, the same modules it may use: the table is what a reader trusts, the CMake lines are
# what the build enforces.
set -u
src=${1:?usage: table_test.sh SOURCE_DIR}

# "module: used used ..." (sorted), one line a module, from each side.
from_cmake() {
  sed -n 's/^csd_module(\([a-z_]*\)\(.*\))$/\1 \2/p' "$src/CMakeLists.txt" |
    while read -r name rest; do
      [ "$name" = test_support ] && continue
      uses=$(echo "$rest" | sed -n 's/.*USES \([a-z_ ]*\).*/\1/p' | sed 's/ LIBS.*//')
      echo "$name: $(echo $uses | tr ' ' '\n' | sort | tr '\n' ' ')"
    done | sort
}
from_docs() {
  sed -n 's/^| `\([a-z_]*\)\/` |.*| \([^|]*\) |$/\1|\2/p' "$src/docs/architecture.md" |
    while IFS='|' read -r name uses; do
      case $name in cli | test_support) continue ;; esac
      # Our modules are the back-quoted words before the first ';' (what follows are libraries).
      ours=$(echo "${uses%%;*}" | grep -o '`[a-z_]*`' | tr -d '`' | sort | tr '\n' ' ')
      echo "$name: $ours"
    done | sort
}

cmake_side=$(from_cmake | sed "s/ *$//")
docs_side=$(from_docs | sed "s/ *$//")
[ -n "$cmake_side" ] && [ -n "$docs_side" ] || {
  echo "FAIL: could not read the module list (cmake: ${#cmake_side} bytes, docs: ${#docs_side} bytes)"
  exit 1
}
if [ "$cmake_side" != "$docs_side" ]; then
  echo "FAIL: docs/architecture.md's module table and CMakeLists.txt's csd_module() lines differ"
  diff <(echo "$docs_side") <(echo "$cmake_side") | sed 's/^</  docs: /; s/^>/  cmake:/'
  exit 1
fi
echo "ok: $(echo "$cmake_side" | wc -l) modules, the same uses in the table and the build"
