// fmt's compiled part, once for the whole program: every other file includes fmt's declarations
// only (no FMT_HEADER_ONLY), instead of compiling its implementation again (docs/performance.md,
// "Build"). Debian ships fmt as a shared library only, which the program must not load
// (docs/architecture.md, "Linking").
#include <fmt/format-inl.h>

// The templates fmt/format.h declares `extern` for char when it is not header-only.
FMT_BEGIN_NAMESPACE
namespace detail {
template auto locale_ref::get<std::locale>() const -> std::locale;
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
