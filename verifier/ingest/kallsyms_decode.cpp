#include "verifier/ingest/kallsyms_decode.h"

#include <map>
#include <string_view>

#include "models/format.h"

namespace ptv {

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kMaxSymbols = 4'000'000;     // a kernel has ~150,000
constexpr std::size_t kMaxNameBytes = 512;           // KSYM_NAME_LEN
constexpr std::uint64_t kMaxTokenTable = 64 * 1024;  // 256 short tokens

/// Kernel memory read a page at a time, each page once.
class KernelBytes {
 public:
  explicit KernelBytes(const ReadKernelPage& read) : read_(read) {}

  /// The bytes [va, va + n), or why not.
  Expected<std::vector<unsigned char>> bytes(std::uint64_t va, std::uint64_t n) {
    std::vector<unsigned char> out;
    out.reserve(n);
    while (n > 0) {
      const std::uint64_t page = va & ~(kPage - 1);
      auto it = pages_.find(page);
      if (it == pages_.end()) {
        auto p = read_(page, kPage);
        if (!p) return p.error();
        if (p->size() != kPage) return Error{"short read at " + hex16(page)};
        it = pages_.emplace(page, std::move(*p)).first;
      }
      const std::uint64_t off = va - page;
      const std::uint64_t take = std::min(n, kPage - off);
      out.insert(out.end(), it->second.begin() + static_cast<std::ptrdiff_t>(off),
                 it->second.begin() + static_cast<std::ptrdiff_t>(off + take));
      if (va + take < va) return Error{"the table wraps around the address space"};
      va += take;
      n -= take;
    }
    return out;
  }

  Expected<std::uint64_t> le(std::uint64_t va, unsigned width) {
    auto b = bytes(va, width);
    if (!b) return b.error();
    std::uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) v |= std::uint64_t{(*b)[i]} << (8 * i);
    return v;
  }

 private:
  const ReadKernelPage& read_;
  std::map<std::uint64_t, std::vector<unsigned char>> pages_;
};

std::optional<std::uint64_t> symbol(const Vmcoreinfo& info, const char* name) {
  auto it = info.raw.find(std::string("SYMBOL(") + name + ")");
  if (it == info.raw.end()) return std::nullopt;
  return vmcoreinfo_hex(it->second);
}

}  // namespace

Expected<std::optional<SymbolTable>> decode_kallsyms(const Vmcoreinfo& info, const ReadKernelPage& read,
                                                     const std::string& where) {
  const auto names = symbol(info, "kallsyms_names"), num = symbol(info, "kallsyms_num_syms"),
             tokens = symbol(info, "kallsyms_token_table"), index = symbol(info, "kallsyms_token_index"),
             offsets = symbol(info, "kallsyms_offsets"), base_at = symbol(info, "kallsyms_relative_base");
  if (!names || !num || !tokens || !index || !offsets || !base_at) return std::optional<SymbolTable>{};
  const std::string what = "the kernel's kallsyms tables (at the addresses VMCOREINFO gives)";
  const auto fail = [&](const std::string& why) { return Error{where + ": " + what + ": " + why}; };
  KernelBytes mem(read);

  auto count = mem.le(*num, 4);
  if (!count) return fail(count.error().message);
  if (*count == 0 || *count > kMaxSymbols) return fail("kallsyms_num_syms is " + decimal(*count));
  auto base = mem.le(*base_at, 8);
  if (!base) return fail(base.error().message);
  auto index_bytes = mem.bytes(*index, 256 * 2);
  if (!index_bytes) return fail(index_bytes.error().message);
  // The token table ends where the index begins (scripts/kallsyms.c writes them in that order);
  // else a bounded read.
  const std::uint64_t table_size = *index > *tokens && *index - *tokens <= kMaxTokenTable ? *index - *tokens : kPage;
  auto table = mem.bytes(*tokens, table_size);
  if (!table) return fail(table.error().message);
  std::vector<std::string> token(256);
  for (unsigned t = 0; t < 256; ++t) {
    const std::size_t at = (*index_bytes)[2 * t] | std::size_t{(*index_bytes)[2 * t + 1]} << 8;
    if (at >= table->size()) return fail("token " + decimal(t) + " starts past the token table");
    std::size_t end = at;
    while (end < table->size() && (*table)[end] != 0) ++end;
    token[t].assign(table->begin() + static_cast<std::ptrdiff_t>(at),
                    table->begin() + static_cast<std::ptrdiff_t>(end));
  }
  auto offset_bytes = mem.bytes(*offsets, *count * 4);
  if (!offset_bytes) return fail(offset_bytes.error().message);

  std::vector<Symbol> decoded;
  decoded.reserve(*count);
  std::uint64_t at = *names;
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto len = mem.le(at, 1);
    if (!len) return fail(len.error().message);
    ++at;
    std::uint64_t n = *len;
    if (n & 0x80) {
      auto high = mem.le(at, 1);
      if (!high) return fail(high.error().message);
      ++at;
      n = (n & 0x7f) | *high << 7;
    }
    auto codes = mem.bytes(at, n);
    if (!codes) return fail(codes.error().message);
    at += n;
    std::string text;
    for (unsigned char c : *codes) {
      text += token[c];
      if (text.size() > kMaxNameBytes) return fail("symbol " + decimal(i) + " is longer than 512 bytes");
    }
    if (text.size() < 2) return fail("symbol " + decimal(i) + " has no name");
    Symbol s;
    s.type = text[0];
    s.name = text.substr(1);
    const std::uint32_t raw = static_cast<std::uint32_t>((*offset_bytes)[4 * i]) |
                              static_cast<std::uint32_t>((*offset_bytes)[4 * i + 1]) << 8 |
                              static_cast<std::uint32_t>((*offset_bytes)[4 * i + 2]) << 16 |
                              static_cast<std::uint32_t>((*offset_bytes)[4 * i + 3]) << 24;
    s.address = raw;  // resolved below, once the reading of the offsets is known
    decoded.push_back(std::move(s));
  }

  // The two readings of the offsets; the one that agrees with SYMBOL(_stext) is the kernel's.
  const std::optional<std::uint64_t> stext = symbol(info, "_stext");
  if (!stext) return fail("VMCOREINFO has no SYMBOL(_stext) to tell how the offsets are stored");
  const auto absolute_percpu = [&](std::uint32_t raw) {
    const auto off = static_cast<std::int32_t>(raw);
    // base - 1 - off, modulo 2^64, as the kernel's unsigned long arithmetic computes it.
    return off >= 0 ? static_cast<std::uint64_t>(off) : *base - 1 - static_cast<std::uint64_t>(std::int64_t{off});
  };
  const auto relative = [&](std::uint32_t raw) { return *base + raw; };
  std::optional<bool> percpu;
  for (const Symbol& s : decoded) {
    if (s.name != "_stext") continue;
    const auto raw = static_cast<std::uint32_t>(s.address);
    if (absolute_percpu(raw) == *stext)
      percpu = true;
    else if (relative(raw) == *stext)
      percpu = false;
    break;
  }
  if (!percpu) return fail("no reading of kallsyms_offsets puts _stext at VMCOREINFO's " + hex16(*stext));
  for (Symbol& s : decoded) {
    const auto raw = static_cast<std::uint32_t>(s.address);
    s.address = *percpu ? absolute_percpu(raw) : relative(raw);
  }
  const std::size_t n = decoded.size();
  return std::optional<SymbolTable>(SymbolTable(
      std::move(decoded),
      "kallsyms decoded from " + where + "'s memory (VMCOREINFO's kallsyms tables, " + decimal(n) + " symbols)"));
}

}  // namespace ptv
