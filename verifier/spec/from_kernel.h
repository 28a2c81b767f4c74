// A parameter's "from_kernel" expression: how the running kernel's symbols give its value
// ("_stext", "align_up(_end - _stext, 2 * MiB)"). Every name other than a unit constant (KiB ..
// EiB) is a symbol, standing for its address. `*NAME` alone is instead the 64-bit value of the
// kernel variable NAME, read from the dump's memory at NAME's address ("*page_offset_base").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "models/expected.h"
#include "verifier/spec/expression.h"

namespace ptv::spec {

/// A symbol's address, or empty when the symbols do not have it.
using SymbolAddress = std::function<std::optional<std::uint64_t>(std::string_view)>;
/// The 64-bit little-endian value at a virtual address of the dump, or why it cannot be read.
using ValueAt = std::function<Expected<std::uint64_t>(std::uint64_t)>;

/// NAME when the expression is `*NAME` (the value of the kernel variable NAME, an identifier);
/// empty for an expression over symbol addresses.
[[nodiscard]] std::optional<std::string_view> from_kernel_variable(std::string_view text);

/// The syntax and types of a from_kernel expression; empty when it is well-formed.
[[nodiscard]] std::optional<ExpressionError> check_from_kernel(std::string_view text);

/// The expression's value under these symbols. Error: "no symbol _end in SOURCE", or the
/// column and operation that wraps around 2^64.
[[nodiscard]] Expected<std::uint64_t> eval_from_kernel(std::string_view text, const SymbolAddress& symbol,
                                                       const ValueAt& value_at);

}  // namespace ptv::spec
