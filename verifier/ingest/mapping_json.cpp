// g++ 12 reports a false -Warray-bounds inside nlohmann::json's DOM construction with
// JSON_DIAGNOSTICS (std::map::begin in set_parents); it names no line of ours. Silence exactly
// that warning for this file, before any header can pull in <map>.
#pragma GCC diagnostic ignored "-Warray-bounds"

#include "verifier/ingest/mapping_json.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>

#include "verifier/ingest/text_scan.h"

namespace ptv {

namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Writer. Hand-formatted so that each mapping is one line (diffable, greppable).

/// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one. [RFC 3629 §4]
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return byte(k) >= lo && byte(k) <= hi; };
  const unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const bool second = b0 == 0xe0 ? cont(1, 0xa0) : b0 == 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return second && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const bool second = b0 == 0xf0 ? cont(1, 0x90) : b0 == 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return second && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/// A JSON string literal; bytes that are not UTF-8 become U+FFFD.
std::string str(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
    } else if (const std::size_t n = utf8_length(s, i)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  return out + '"';
}
std::string hex_or_null(const std::optional<std::uint64_t>& v) { return v ? '"' + text::hex(*v) + '"' : "null"; }
std::string tri_json(Tri t) { return t == Tri::kUnknown ? "null" : (t == Tri::kYes ? "true" : "false"); }
std::string bool_or_null(const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : "null"; }
template <class N>
std::string num_or_null(const std::optional<N>& n) {
  return n ? std::to_string(*n) : "null";
}
/// The exclusive end of r: 16 hex digits, or "0x10000000000000000" for 2^64.
std::string end_json(const VirtRange& r) {
  const auto end = r.end();
  return end ? '"' + text::hex(end->value()) + '"' : "\"0x10000000000000000\"";
}
std::string range_json(const VirtRange& r) {
  return "\"start\": \"" + text::hex(r.first.value()) + "\", \"end\": " + end_json(r);
}
std::string provenance_json(const Provenance& p) {
  std::string out = "{";
  auto add = [&](const std::string& kv) { out += (out.size() > 1 ? ", " : "") + kv; };
  if (p.line) add("\"line\": " + std::to_string(p.line));
  if (p.table) add("\"table\": \"" + text::hex(p.table->value()) + '"');
  if (p.index) add("\"index\": " + std::to_string(*p.index));
  if (p.entry) add("\"entry\": \"" + text::hex(p.entry->value()) + '"');
  return out + "}";
}
std::string level_json(Level l) { return '"' + std::string(level_name(l)) + '"'; }

template <class T, class F>
void write_array(std::ostream& out, const char* key, const std::vector<T>& v, F element, bool last = false) {
  out << "  \"" << key << "\": [";
  for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ",\n    " : "\n    ") << element(v[i]);
  out << (v.empty() ? "]" : "\n  ]") << (last ? "\n" : ",\n");
}

// ---------------------------------------------------------------------------------------------
// Reader: every value is checked where it is, and errors name its JSON Pointer.

class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& ptr, std::string_view expected, const Json* found) const {
    fail_shown(ptr, expected, found ? found->dump(-1, ' ', false, Json::error_handler_t::replace) : "nothing");
  }
  /// "SOURCE:/json/pointer: expected WHAT, found SHOWN" (SHOWN is JSON text, cut at 60 bytes).
  [[noreturn]] void fail_shown(const std::string& ptr, std::string_view expected, std::string shown) const {
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    throw text::ParseFailure{Error{source_ + ':' + (ptr.empty() ? "/" : ptr) + ": expected " + std::string(expected) +
                                   ", found " + shown}};
  }

  const Json& object(const Json& j, const std::string& ptr, std::initializer_list<std::string_view> keys) const {
    if (!j.is_object()) fail(ptr, "an object", &j);
    for (const auto& [k, v] : j.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        std::string list;
        for (std::string_view key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
        fail(ptr + '/' + k, "only the keys " + list, &v);
      }
    }
    return j;
  }
  static const Json* member(const Json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  const Json& required(const Json& obj, const std::string& ptr, const char* key) const {
    const Json* v = member(obj, key);
    if (!v) fail(ptr + '/' + key, "a value (the key is required)", nullptr);
    return *v;
  }

  /// A "0x..." hex string; up to 2^64 when allow_top (then 2^64 comes back as empty).
  std::optional<std::uint64_t> hex(const Json& j, const std::string& ptr, bool allow_top = false) const {
    constexpr std::string_view kWhat = "a hex string such as \"0x1000\"";
    if (!j.is_string()) fail(ptr, kWhat, &j);
    const std::string& s = j.get_ref<const std::string&>();
    if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) fail(ptr, kWhat, &j);
    std::string_view digits(s);
    digits.remove_prefix(2);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (allow_top && digits == "10000000000000000") return std::nullopt;
    text::Cursor c(digits);
    const auto v = c.hex(16);
    if (!v || !c.at_end()) fail(ptr, allow_top ? "a hex string of at most 2^64" : "a hex string below 2^64", &j);
    return v;
  }
  std::uint64_t hex64(const Json& j, const std::string& ptr) const { return *hex(j, ptr); }

  std::uint64_t unsigned_num(const Json& j, const std::string& ptr, std::uint64_t max) const {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0))
      fail(ptr, "a non-negative integer", &j);
    const auto v = j.get<std::uint64_t>();
    if (v > max) fail(ptr, "an integer at most " + std::to_string(max), &j);
    return v;
  }
  std::string string(const Json& j, const std::string& ptr) const {
    if (!j.is_string()) fail(ptr, "a string", &j);
    return j.get<std::string>();
  }
  bool boolean(const Json& j, const std::string& ptr) const {
    if (!j.is_boolean()) fail(ptr, "true or false", &j);
    return j.get<bool>();
  }
  std::optional<bool> opt_bool(const Json& obj, const std::string& ptr, const char* key) const {
    const Json* v = member(obj, key);
    if (!v || v->is_null()) return std::nullopt;
    return boolean(*v, ptr + '/' + key);
  }
  Tri tri_value(const Json& obj, const std::string& ptr, const char* key) const {
    const auto b = opt_bool(obj, ptr, key);
    return b ? tri(*b) : Tri::kUnknown;
  }
  Level level(const Json& j, const std::string& ptr) const {
    for (Level l : {Level::kPt, Level::kPd, Level::kPdpt, Level::kPml4, Level::kPml5})
      if (j.is_string() && j.get_ref<const std::string&>() == level_name(l)) return l;
    fail(ptr, "a level name: \"PT\", \"PD\", \"PDPT\", \"PML4\" or \"PML5\"", &j);
  }
  VirtRange range(const Json& obj, const std::string& ptr, const char* start_key = "start", const char* end_key = "end") const {
    const std::uint64_t start = hex64(required(obj, ptr, start_key), ptr + '/' + start_key);
    const Json& end_j = required(obj, ptr, end_key);
    const auto end = hex(end_j, ptr + '/' + end_key, true);
    if (end && *end <= start) fail(ptr + '/' + end_key, "an end above the start " + text::hex(start), &end_j);
    return text::range_to(VirtAddr(start), end.value_or(0));
  }
  Provenance provenance(const Json& obj, const std::string& ptr) const {
    Provenance p;
    const Json* pj = member(obj, "provenance");
    if (!pj) return p;
    const std::string pp = ptr + "/provenance";
    object(*pj, pp, {"line", "table", "index", "entry"});
    if (const Json* v = member(*pj, "line")) p.line = unsigned_num(*v, pp + "/line", ~std::uint64_t{0});
    if (const Json* v = member(*pj, "table")) p.table = PhysAddr(hex64(*v, pp + "/table"));
    if (const Json* v = member(*pj, "index")) p.index = static_cast<unsigned>(unsigned_num(*v, pp + "/index", kEntriesPerTable - 1));
    if (const Json* v = member(*pj, "entry")) p.entry = PhysAddr(hex64(*v, pp + "/entry"));
    return p;
  }

  template <class T>
  void check_order(const std::vector<T>& v, const std::string& array_ptr) const {
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (!(v[i - 1].range.last < v[i].range.first)) {
        fail_shown(array_ptr + '/' + std::to_string(i) + "/start",
                   "a start above the end of element " + std::to_string(i - 1) + " (elements sorted and disjoint)",
                   '"' + text::hex(v[i].range.first.value()) + '"');
      }
    }
  }

 private:
  const std::string& source_;
};

template <class F>
void each(const Reader& rd, const Json& root, const char* key, F f) {
  const Json* arr = Reader::member(root, key);
  if (!arr) return;
  const std::string ptr = std::string("/") + key;
  if (!arr->is_array()) rd.fail(ptr, "an array", arr);
  for (std::size_t i = 0; i < arr->size(); ++i) f((*arr)[i], ptr + '/' + std::to_string(i));
}

MappingSet read_root(const Json& root, const std::string& source, const TextReadOptions& options) {
  const Reader rd(source);
  rd.object(root, "", {"format_version", "mode", "source", "format", "mappings", "unknown", "faults", "markers",
                       "tables", "self_refs", "notes"});
  const Json& version = rd.required(root, "", "format_version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != kMappingJsonVersion)
    rd.fail("/format_version", "1 (the only version this reader knows)", &version);

  MappingSet set;
  const Json& mode = rd.required(root, "", "mode");
  if (mode == "4-level") {
    set.mode = PagingMode::k4Level;
  } else if (mode == "5-level") {
    set.mode = PagingMode::k5Level;
  } else {
    rd.fail("/mode", "\"4-level\" or \"5-level\"", &mode);
  }
  if (options.mode && *options.mode != set.mode)
    rd.fail("/mode", std::string("\"") + std::string(to_string(*options.mode)) + "\" (the given paging mode)", &mode);
  const Json* src = Reader::member(root, "source");
  set.source = src ? rd.string(*src, "/source") : source;
  const Json* fmt = Reader::member(root, "format");
  set.format = fmt ? rd.string(*fmt, "/format") : "json";
  if (!Reader::member(root, "mappings")) rd.fail("/mappings", "an array of mappings (the key is required)", nullptr);

  each(rd, root, "mappings", [&](const Json& j, const std::string& p) {
    rd.object(j, p, {"start", "end", "phys", "page_size", "writable", "user", "executable", "global", "pkey", "pwt",
                     "pcd", "pat", "leaf_raw", "provenance"});
    Run r;
    r.range = rd.range(j, p);
    if (const Json* v = Reader::member(j, "phys"); v && !v->is_null()) r.phys = PhysAddr(rd.hex64(*v, p + "/phys"));
    if (const Json* v = Reader::member(j, "page_size"); v && !v->is_null()) {
      r.page_size = rd.unsigned_num(*v, p + "/page_size", ~std::uint64_t{0});
      if (*r.page_size != page_size(Level::kPt) && *r.page_size != page_size(Level::kPd) &&
          *r.page_size != page_size(Level::kPdpt))
        rd.fail(p + "/page_size", "4096, 2097152, 1073741824 or null", v);
    }
    r.writable = rd.tri_value(j, p, "writable");
    r.user = rd.tri_value(j, p, "user");
    r.executable = rd.tri_value(j, p, "executable");
    r.global = rd.tri_value(j, p, "global");
    if (const Json* v = Reader::member(j, "pkey"); v && !v->is_null())
      r.pkey = static_cast<unsigned>(rd.unsigned_num(*v, p + "/pkey", 15));
    r.pwt = rd.opt_bool(j, p, "pwt");
    r.pcd = rd.opt_bool(j, p, "pcd");
    r.pat = rd.opt_bool(j, p, "pat");
    if (const Json* v = Reader::member(j, "leaf_raw"); v && !v->is_null()) r.leaf_raw = rd.hex64(*v, p + "/leaf_raw");
    r.provenance = rd.provenance(j, p);
    set.runs.push_back(std::move(r));
  });
  each(rd, root, "unknown", [&](const Json& j, const std::string& p) {
    rd.object(j, p, {"start", "end", "reason", "provenance"});
    UnknownRange u;
    u.range = rd.range(j, p);
    if (const Json* v = Reader::member(j, "reason")) u.reason = rd.string(*v, p + "/reason");
    u.provenance = rd.provenance(j, p);
    set.unknown.push_back(std::move(u));
  });
  each(rd, root, "faults", [&](const Json& j, const std::string& p) {
    rd.object(j, p, {"start", "end", "entry", "level", "raw", "reserved"});
    FaultRange f{rd.range(j, p), PhysAddr(rd.hex64(rd.required(j, p, "entry"), p + "/entry")),
                 rd.level(rd.required(j, p, "level"), p + "/level"), 0, 0};
    f.raw = rd.hex64(rd.required(j, p, "raw"), p + "/raw");
    f.reserved = rd.hex64(rd.required(j, p, "reserved"), p + "/reserved");
    set.faults.push_back(f);
  });
  each(rd, root, "markers", [&](const Json& j, const std::string& p) {
    rd.object(j, p, {"address", "name", "line"});
    Marker m;
    m.address = VirtAddr(rd.hex64(rd.required(j, p, "address"), p + "/address"));
    m.name = rd.string(rd.required(j, p, "name"), p + "/name");
    if (const Json* v = Reader::member(j, "line")) m.line = rd.unsigned_num(*v, p + "/line", ~std::uint64_t{0});
    set.markers.push_back(std::move(m));
  });
  each(rd, root, "tables", [&](const Json& j, const std::string& p) {
    rd.object(j, p, {"pa", "level"});
    set.tables.push_back(TableFrame{PhysAddr(rd.hex64(rd.required(j, p, "pa"), p + "/pa")),
                                    rd.level(rd.required(j, p, "level"), p + "/level")});
  });
  each(rd, root, "self_refs", [&](const Json& j, const std::string& p) {
    rd.object(j, p, {"entry", "level", "index", "target", "start", "end", "recursive_slot"});
    SelfReference s{PhysAddr(rd.hex64(rd.required(j, p, "entry"), p + "/entry")),
                    rd.level(rd.required(j, p, "level"), p + "/level"),
                    static_cast<unsigned>(rd.unsigned_num(rd.required(j, p, "index"), p + "/index", kEntriesPerTable - 1)),
                    PhysAddr(rd.hex64(rd.required(j, p, "target"), p + "/target")), rd.range(j, p), false};
    if (const Json* v = Reader::member(j, "recursive_slot")) s.recursive_slot = rd.boolean(*v, p + "/recursive_slot");
    set.self_refs.push_back(s);
  });
  each(rd, root, "notes", [&](const Json& j, const std::string& p) { set.notes.push_back(rd.string(j, p)); });

  rd.check_order(set.runs, "/mappings");
  rd.check_order(set.unknown, "/unknown");
  rd.check_order(set.faults, "/faults");
  if (auto broken = set.validate())
    throw text::ParseFailure{Error{source + ": expected a consistent mapping set, found: " + *broken}};
  return set;
}

/// 1-based line and column of byte offset `pos` in content.
std::pair<std::uint64_t, std::size_t> line_col(std::string_view content, std::size_t pos) {
  pos = std::min(pos, content.size());
  const std::string_view before = content.substr(0, pos);
  const std::uint64_t line = 1 + static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t nl = before.rfind('\n');
  const std::size_t col = pos - (nl == std::string_view::npos ? 0 : nl + 1) + 1;
  return {line, col};
}

}  // namespace

void write_mapping_set_json(const MappingSet& set, std::ostream& out) {
  out << "{\n";
  out << "  \"format_version\": " << kMappingJsonVersion << ",\n";
  out << "  \"mode\": \"" << to_string(set.mode) << "\",\n";
  out << "  \"source\": " << str(set.source) << ",\n";
  out << "  \"format\": " << str(set.format) << ",\n";
  write_array(out, "mappings", set.runs, [](const Run& r) {
    return "{" + range_json(r.range) +
           ", \"phys\": " + hex_or_null(r.phys ? std::optional<std::uint64_t>(r.phys->value()) : std::nullopt) +
           ", \"page_size\": " + num_or_null(r.page_size) + ", \"writable\": " + tri_json(r.writable) +
           ", \"user\": " + tri_json(r.user) + ", \"executable\": " + tri_json(r.executable) +
           ", \"global\": " + tri_json(r.global) + ", \"pkey\": " + num_or_null(r.pkey) +
           ", \"pwt\": " + bool_or_null(r.pwt) + ", \"pcd\": " + bool_or_null(r.pcd) + ", \"pat\": " + bool_or_null(r.pat) +
           ", \"leaf_raw\": " + hex_or_null(r.leaf_raw) + ", \"provenance\": " + provenance_json(r.provenance) + "}";
  });
  write_array(out, "unknown", set.unknown, [](const UnknownRange& u) {
    return "{" + range_json(u.range) + ", \"reason\": " + str(u.reason) +
           ", \"provenance\": " + provenance_json(u.provenance) + "}";
  });
  write_array(out, "faults", set.faults, [](const FaultRange& f) {
    return "{" + range_json(f.range) + ", \"entry\": \"" + text::hex(f.entry.value()) + "\", \"level\": " +
           level_json(f.level) + ", \"raw\": \"" + text::hex(f.raw) + "\", \"reserved\": \"" + text::hex(f.reserved) +
           "\"}";
  });
  write_array(out, "markers", set.markers, [](const Marker& m) {
    return "{\"address\": \"" + text::hex(m.address.value()) + "\", \"name\": " + str(m.name) +
           ", \"line\": " + std::to_string(m.line) + "}";
  });
  write_array(out, "tables", set.tables, [](const TableFrame& t) {
    return "{\"pa\": \"" + text::hex(t.pa.value()) + "\", \"level\": " + level_json(t.level) + "}";
  });
  write_array(out, "self_refs", set.self_refs, [](const SelfReference& s) {
    return "{\"entry\": \"" + text::hex(s.entry.value()) + "\", \"level\": " + level_json(s.level) +
           ", \"index\": " + std::to_string(s.index) + ", \"target\": \"" + text::hex(s.target.value()) + "\", " +
           range_json(s.range) + ", \"recursive_slot\": " + (s.recursive_slot ? "true" : "false") + "}";
  });
  write_array(out, "notes", set.notes, [](const std::string& n) { return str(n); }, true);
  out << "}\n";
}

int sniff_mapping_json(std::string_view content) {
  const std::size_t first = content.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || content[first] != '{') return 0;
  const std::string_view head = content.substr(first, 4096);
  if (head.find("\"format_version\"") != std::string_view::npos) return 95;
  if (head.find("\"mappings\"") != std::string_view::npos) return 80;
  return 40;
}

Expected<MappingSet> read_mapping_json(std::string_view content, const std::string& source, const TextReadOptions& options) {
  Json root;
  try {
    root = Json::parse(content.begin(), content.end());
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based: the byte at which parsing failed.
    const std::size_t pos = e.byte > 0 ? e.byte - 1 : 0;
    const auto [line, col] = line_col(content, pos);
    std::string why = e.what();
    if (const std::size_t colon = why.find(": ", why.find("column")); colon != std::string::npos) why = why.substr(colon + 2);
    return text::expected_at(source, line, col, "valid JSON (" + why + ")",
                             pos < content.size() ? content.substr(pos, 1) : std::string_view());
  }
  try {
    return read_root(root, source, options);
  } catch (const text::ParseFailure& f) {
    return f.error;
  } catch (const Json::exception& e) {  // JSON_DIAGNOSTICS: the message carries the path
    return Error{source + ": " + e.what()};
  }
}

}  // namespace ptv
