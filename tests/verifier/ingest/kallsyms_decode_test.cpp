// Strategy: the kallsyms tables are built here byte for byte as scripts/kallsyms.c lays them out
// (a token table and its index, names of token numbers with one- and two-byte lengths, s32
// offsets against a relative base) in a fake kernel memory; decoding must give back the names,
// types and addresses under both readings of the offsets, choose the reading by VMCOREINFO's
// _stext, and refuse tables it cannot trust (a page the dump lacks, a token past the table, no
// reading matching _stext). The real tables are decoded in kcore/in-guest against /proc/kallsyms.
#include "verifier/ingest/kallsyms_decode.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "models/format.h"

using namespace ptv;

namespace {

constexpr std::uint64_t kNum = 0xffff'ffff'8200'0000, kBase = kNum + 0x10, kOffsets = kNum + 0x1000,
                        kNames = kNum + 0x2000, kTokens = kNum + 0x6000, kIndex = kNum + 0x6800;

struct Memory {
  std::map<std::uint64_t, unsigned char> bytes;
  void put(std::uint64_t va, std::uint64_t v, unsigned width) {
    for (unsigned i = 0; i < width; ++i) bytes[va + i] = static_cast<unsigned char>(v >> (8 * i));
  }
  ReadKernelPage reader() const {
    return [this](std::uint64_t va, std::size_t len) -> Expected<std::vector<unsigned char>> {
      std::vector<unsigned char> out(len, 0);
      bool any = false;
      for (std::size_t i = 0; i < len; ++i)
        if (auto it = bytes.find(va + i); it != bytes.end()) {
          out[i] = it->second;
          any = true;
        }
      if (!any) return Error{"the dump does not hold " + hex16(va)};
      return out;
    };
  }
};

struct Built {
  Memory mem;
  Vmcoreinfo info;
};

/// Symbols (type+name, address), with tokens: single characters, plus "do_" and "sys" as two
/// multi-byte tokens; `percpu`: offsets stored the CONFIG_KALLSYMS_ABSOLUTE_PERCPU way.
Built build(const std::vector<std::pair<std::string, std::uint64_t>>& symbols, bool percpu, std::uint64_t base) {
  Built b;
  std::vector<std::string> tokens(256);
  for (unsigned c = 0; c < 256; ++c) tokens[c] = c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : "";
  tokens[1] = "do_";
  tokens[2] = "sys";
  std::uint64_t at = 0;
  for (unsigned t = 0; t < 256; ++t) {
    b.mem.put(kIndex + 2 * t, at, 2);
    for (char c : tokens[t]) b.mem.put(kTokens + at++, static_cast<unsigned char>(c), 1);
    b.mem.put(kTokens + at++, 0, 1);
  }
  std::uint64_t name_at = kNames;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const std::string& text = symbols[i].first;
    std::vector<unsigned char> codes;
    for (std::size_t k = 0; k < text.size();) {
      if (text.compare(k, 3, "do_") == 0) {
        codes.push_back(1);
        k += 3;
      } else if (text.compare(k, 3, "sys") == 0) {
        codes.push_back(2);
        k += 3;
      } else {
        codes.push_back(static_cast<unsigned char>(text[k++]));
      }
    }
    if (codes.size() < 0x80) {
      b.mem.put(name_at++, codes.size(), 1);
    } else {
      b.mem.put(name_at++, (codes.size() & 0x7f) | 0x80, 1);
      b.mem.put(name_at++, codes.size() >> 7, 1);
    }
    for (unsigned char c : codes) b.mem.put(name_at++, c, 1);
    const std::uint64_t a = symbols[i].second;
    const std::uint64_t off = percpu ? (a < 0x8000'0000 ? a : base - 1 - a) : a - base;
    b.mem.put(kOffsets + 4 * i, off & 0xffff'ffff, 4);
  }
  b.mem.put(kNum, symbols.size(), 4);
  b.mem.put(kBase, base, 8);
  const auto sym = [&](const char* name, std::uint64_t v) {
    b.info.raw[std::string("SYMBOL(") + name + ")"] = hex_digits(v);
  };
  sym("kallsyms_num_syms", kNum);
  sym("kallsyms_relative_base", kBase);
  sym("kallsyms_offsets", kOffsets);
  sym("kallsyms_names", kNames);
  sym("kallsyms_token_table", kTokens);
  sym("kallsyms_token_index", kIndex);
  return b;
}

const std::uint64_t kStext = 0xffff'ffff'a500'0000;

std::vector<std::pair<std::string, std::uint64_t>> sample() {
  return {{"Afixed_percpu_data", 0},
          {"T_text", kStext},
          {"T_stext", kStext},
          {"Tdo_syscall_64", kStext + 0x1000},
          {"t" + std::string(200, 'x'), kStext + 0x2000},  // a two-byte length
          {"T_etext", kStext + 0x10'0000},
          {"Dsys_call_table", kStext + 0x20'0000},
          {"B_end", kStext + 0x40'0000}};
}

}  // namespace

TEST_CASE("kallsyms decode: names, types and addresses come back, under either reading of the offsets") {
  for (bool percpu : {true, false}) {
    CAPTURE(percpu);
    const std::uint64_t base = percpu ? kStext - 1 : kStext;  // the absolute-percpu base sits below the symbols
    Built b = build(sample(), percpu, base);
    b.info.raw["SYMBOL(_stext)"] = hex_digits(kStext);
    auto t = decode_kallsyms(b.info, b.mem.reader(), "core.elf");
    REQUIRE(t.ok());
    REQUIRE(t->has_value());
    const SymbolTable& table = **t;
    CHECK(table.size() == 8);
    CHECK(table.by_name("_stext") == kStext);
    CHECK(table.by_name("sys_call_table") == kStext + 0x20'0000);
    CHECK(table.by_name(std::string(200, 'x')) == kStext + 0x2000);
    CHECK(table.lookup(kStext + 0x1010).symbol == "do_syscall_64+0x10");
    CHECK(table.lookup(kStext + 0x1010).section == ".text");
    CHECK(table.source.find("kallsyms decoded from core.elf's memory") == 0);
  }
}

TEST_CASE("kallsyms decode: a VMCOREINFO without the tables gives no table and no error") {
  Vmcoreinfo info;
  info.raw["SYMBOL(_stext)"] = hex_digits(kStext);
  auto t = decode_kallsyms(info, Memory{}.reader(), "core.elf");
  REQUIRE(t.ok());
  CHECK_FALSE(t->has_value());
}

TEST_CASE("kallsyms decode: tables it cannot trust are refused, saying why") {
  SUBCASE("the dump does not hold them (a slice)") {
    Built b = build(sample(), true, kStext - 1);
    b.info.raw["SYMBOL(_stext)"] = hex_digits(kStext);
    auto t = decode_kallsyms(b.info, Memory{}.reader(), "slice.elf");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("slice.elf: the kernel's kallsyms tables") == 0);
    CHECK(t.error().message.find("does not hold") != std::string::npos);
  }
  SUBCASE("no reading of the offsets puts _stext where VMCOREINFO says") {
    Built b = build(sample(), true, kStext - 1);
    b.info.raw["SYMBOL(_stext)"] = hex_digits(kStext + 0x20'0000);
    auto t = decode_kallsyms(b.info, b.mem.reader(), "core.elf");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("no reading of kallsyms_offsets puts _stext") != std::string::npos);
  }
  SUBCASE("a token index past the token table") {
    Built b = build(sample(), true, kStext - 1);
    b.info.raw["SYMBOL(_stext)"] = hex_digits(kStext);
    b.mem.put(kIndex + 2 * 7, 0xfff0, 2);
    auto t = decode_kallsyms(b.info, b.mem.reader(), "core.elf");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("token 7 starts past the token table") != std::string::npos);
  }
  SUBCASE("an absurd symbol count") {
    Built b = build(sample(), true, kStext - 1);
    b.info.raw["SYMBOL(_stext)"] = hex_digits(kStext);
    b.mem.put(kNum, 0xffff'ffff, 4);
    auto t = decode_kallsyms(b.info, b.mem.reader(), "core.elf");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("kallsyms_num_syms is") != std::string::npos);
  }
}
