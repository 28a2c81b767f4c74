// g++ 12 reports a false -Warray-bounds inside nlohmann::json's DOM construction with
// JSON_DIAGNOSTICS (std::map::begin in set_parents); it names no line of ours. Silence exactly
// that warning for this file, before any header can pull in <map>.
#pragma GCC diagnostic ignored "-Warray-bounds"

#include "verifier/ingest/mapping_json.h"

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>

#include "models/format.h"
#include "verifier/base/json_read.h"
#include "verifier/base/text_scan.h"

namespace ptv {

namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Writer. Hand-formatted so that each mapping is one line (diffable, greppable).

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
    } else if (const std::size_t n = text::utf8_length(s, i)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  return out + '"';
}
std::string hex_or_null(const std::optional<std::uint64_t>& v) { return v ? '"' + hex16(*v) + '"' : "null"; }
std::string tri_json(Tri t) { return t == Tri::kUnknown ? "null" : (t == Tri::kYes ? "true" : "false"); }
std::string bool_or_null(const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : "null"; }
template <class N>
std::string num_or_null(const std::optional<N>& n) {
  return n ? std::to_string(*n) : "null";
}
/// The exclusive end of r: 16 hex digits, or "0x10000000000000000" for 2^64.
std::string end_json(const VirtRange& r) {
  const auto end = r.end();
  return end ? '"' + hex16(end->value()) + '"' : "\"0x10000000000000000\"";
}
std::string range_json(const VirtRange& r) {
  return "\"start\": \"" + hex16(r.first.value()) + "\", \"end\": " + end_json(r);
}
std::string provenance_json(const Provenance& p) {
  std::string out = "{";
  auto add = [&](const std::string& kv) { out += (out.size() > 1 ? ", " : "") + kv; };
  if (p.line) add("\"line\": " + std::to_string(p.line));
  if (p.table) add("\"table\": \"" + hex16(p.table->value()) + '"');
  if (p.index) add("\"index\": " + std::to_string(*p.index));
  if (p.entry) add("\"entry\": \"" + hex16(p.entry->value()) + '"');
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
// Reader: the shared JSON checks (json_read.h), plus the mapping-set values.

class Reader : public JsonReader<Json> {
 public:
  using JsonReader::JsonReader;

  std::optional<bool> opt_bool(const Json& obj, const std::string& ptr, const char* key) const {
    const Json* v = member(obj, key);
    if (!v || v->is_null()) return std::nullopt;
    return boolean(*v, ptr + '/' + key);
  }
  Tri tri_value(const Json& obj, const std::string& ptr, const char* key) const {
    const auto b = opt_bool(obj, ptr, key);
    return b ? tri(*b) : Tri::kUnknown;
  }
  /// The rights fields runs and unknown ranges share.
  template <class T>
  void rights(const Json& obj, const std::string& ptr, T& t) const {
    t.writable = tri_value(obj, ptr, "writable");
    t.user = tri_value(obj, ptr, "user");
    t.executable = tri_value(obj, ptr, "executable");
    t.user_writable = tri_value(obj, ptr, "user_writable");
    t.supervisor_executable = tri_value(obj, ptr, "supervisor_executable");
    t.global = tri_value(obj, ptr, "global");
  }
  Level level(const Json& j, const std::string& ptr) const {
    for (Level l : {Level::kPt, Level::kPd, Level::kPdpt, Level::kPml4, Level::kPml5})
      if (j.is_string() && j.get_ref<const std::string&>() == level_name(l)) return l;
    fail(ptr, "a level name: \"PT\", \"PD\", \"PDPT\", \"PML4\" or \"PML5\"", &j);
  }
  Provenance provenance(const Json& obj, const std::string& ptr) const {
    Provenance p;
    const Json* pj = member(obj, "provenance");
    if (!pj) return p;
    const std::string pp = ptr + "/provenance";
    object(*pj, pp, {"line", "table", "index", "entry"});
    if (const Json* v = member(*pj, "line")) p.line = unsigned_num(*v, pp + "/line", ~std::uint64_t{0});
    if (const Json* v = member(*pj, "table")) p.table = PhysAddr(hex64(*v, pp + "/table"));
    if (const Json* v = member(*pj, "index"))
      p.index = static_cast<unsigned>(unsigned_num(*v, pp + "/index", kEntriesPerTable - 1));
    if (const Json* v = member(*pj, "entry")) p.entry = PhysAddr(hex64(*v, pp + "/entry"));
    return p;
  }

  /// One element of "mappings".
  Run run(const Json& j, const std::string& p) const {
    object(j, p,
           {"start", "end", "phys", "page_size", "writable", "user", "executable", "user_writable",
            "supervisor_executable", "global", "valid", "page_table_frame", "pkey", "pwt", "pcd", "pat", "leaf_raw",
            "provenance"});
    Run r;
    r.range = range(j, p);
    if (const Json* v = member(j, "phys"); v && !v->is_null()) r.phys = PhysAddr(hex64(*v, p + "/phys"));
    if (const Json* v = member(j, "page_size"); v && !v->is_null()) {
      r.page_size = unsigned_num(*v, p + "/page_size", ~std::uint64_t{0});
      if (*r.page_size != page_size(Level::kPt) && *r.page_size != page_size(Level::kPd) &&
          *r.page_size != page_size(Level::kPdpt))
        fail(p + "/page_size", "4096, 2097152, 1073741824 or null", v);
    }
    rights(j, p, r);
    r.valid = tri_value(j, p, "valid");
    r.page_table_frame = tri_value(j, p, "page_table_frame");
    if (const Json* v = member(j, "pkey"); v && !v->is_null())
      r.pkey = static_cast<unsigned>(unsigned_num(*v, p + "/pkey", 15));
    r.pwt = opt_bool(j, p, "pwt");
    r.pcd = opt_bool(j, p, "pcd");
    r.pat = opt_bool(j, p, "pat");
    if (const Json* v = member(j, "leaf_raw"); v && !v->is_null()) r.leaf_raw = hex64(*v, p + "/leaf_raw");
    r.provenance = provenance(j, p);
    return r;
  }
  /// One element of "unknown".
  UnknownRange unknown_range(const Json& j, const std::string& p) const {
    object(j, p,
           {"start", "end", "reason", "provenance", "writable", "user", "executable", "user_writable",
            "supervisor_executable", "global", "max_page_size", "may_hold_tables"});
    UnknownRange u;
    u.range = range(j, p);
    if (const Json* v = member(j, "reason")) u.reason = string(*v, p + "/reason");
    rights(j, p, u);  // what is known of it (absent: nothing)
    if (const Json* v = member(j, "max_page_size"); v && !v->is_null())
      u.max_page_size = unsigned_num(*v, p + "/max_page_size", page_size(Level::kPdpt));
    if (const Json* v = member(j, "may_hold_tables")) u.may_hold_tables = boolean(*v, p + "/may_hold_tables");
    u.provenance = provenance(j, p);
    return u;
  }
  /// One element of "faults".
  FaultRange fault(const Json& j, const std::string& p) const {
    object(j, p, {"start", "end", "entry", "level", "raw", "reserved"});
    FaultRange f{range(j, p), PhysAddr(hex64(required(j, p, "entry"), p + "/entry")),
                 level(required(j, p, "level"), p + "/level"), 0, 0};
    f.raw = hex64(required(j, p, "raw"), p + "/raw");
    f.reserved = hex64(required(j, p, "reserved"), p + "/reserved");
    return f;
  }
  /// One element of "markers".
  Marker marker(const Json& j, const std::string& p) const {
    object(j, p, {"address", "name", "line"});
    Marker m;
    m.address = VirtAddr(hex64(required(j, p, "address"), p + "/address"));
    m.name = string(required(j, p, "name"), p + "/name");
    if (const Json* v = member(j, "line")) m.line = unsigned_num(*v, p + "/line", ~std::uint64_t{0});
    return m;
  }
  /// One element of "tables".
  TableFrame table_frame(const Json& j, const std::string& p) const {
    object(j, p, {"pa", "level"});
    return TableFrame{PhysAddr(hex64(required(j, p, "pa"), p + "/pa")), level(required(j, p, "level"), p + "/level")};
  }
  /// One element of "self_refs".
  SelfReference self_ref(const Json& j, const std::string& p) const {
    object(j, p, {"entry", "level", "index", "target", "start", "end", "recursive_slot"});
    SelfReference s{PhysAddr(hex64(required(j, p, "entry"), p + "/entry")),
                    level(required(j, p, "level"), p + "/level"),
                    static_cast<unsigned>(unsigned_num(required(j, p, "index"), p + "/index", kEntriesPerTable - 1)),
                    PhysAddr(hex64(required(j, p, "target"), p + "/target")),
                    range(j, p),
                    false};
    if (const Json* v = member(j, "recursive_slot")) s.recursive_slot = boolean(*v, p + "/recursive_slot");
    return s;
  }
  /// One element of "facts".
  Fact fact(const Json& j, const std::string& p) const {
    object(j, p, {"id", "source", "value", "origin", "matters"});
    const std::string id = string(required(j, p, "id"), p + "/id");
    const std::string source_name = string(required(j, p, "source"), p + "/source");
    const auto fid = fact_from_key(id);
    if (!fid) fail(p + "/id", "a fact id such as \"cr0.wp\" or \"maxphyaddr\"", &required(j, p, "id"));
    const auto fsrc = fact_source_from(source_name);
    if (!fsrc) fail(p + "/source", "\"dump\", \"flag\", \"assumed\" or \"blind\"", &required(j, p, "source"));
    Fact f{*fid, *fsrc, string(required(j, p, "value"), p + "/value"), {}, true};
    if (const Json* v = member(j, "origin")) f.origin = string(*v, p + "/origin");
    if (const Json* v = member(j, "matters")) f.matters = boolean(*v, p + "/matters");
    return f;
  }

  template <class T>
  void check_order(const std::vector<T>& v, const std::string& array_ptr) const {
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (!(v[i - 1].range.last < v[i].range.first)) {
        fail_shown(array_ptr + '/' + std::to_string(i) + "/start",
                   "a start above the end of element " + std::to_string(i - 1) + " (elements sorted and disjoint)",
                   '"' + hex16(v[i].range.first.value()) + '"');
      }
    }
  }
};

/// The top-level keys besides the arrays: version, mode (checked against the given one), and
/// the source and format the file claims.
MappingSet read_header(const Reader& rd, const Json& root, const std::string& source, const TextReadOptions& options) {
  rd.object(root, "",
            {"format_version", "mode", "source", "format", "mappings", "unknown", "faults", "markers", "facts",
             "tables", "self_refs", "notes"});
  const Json& version = rd.required(root, "", "format_version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != kMappingJsonVersion)
    rd.fail("/format_version", "1 (the only version this reader knows)", &version);

  MappingSet set;
  const Json& mode = rd.required(root, "", "mode");
  const std::optional<PagingMode> named = mode.is_string() ? mode_from_name(mode.get<std::string>()) : std::nullopt;
  if (!named) rd.fail("/mode", "\"4-level\" or \"5-level\"", &mode);
  set.mode = *named;
  if (options.mode && *options.mode != set.mode)
    rd.fail("/mode", std::string("\"") + std::string(to_string(*options.mode)) + "\" (the given paging mode)", &mode);
  // What was read is a JSON mapping set from this file; where it says it came from is its claim.
  set.source = source;
  set.format = "json";
  if (const Json* src = Reader::member(root, "source")) set.claimed_source = rd.string(*src, "/source");
  if (const Json* fmt = Reader::member(root, "format")) set.claimed_format = rd.string(*fmt, "/format");
  if (!Reader::member(root, "mappings")) rd.fail("/mappings", "an array of mappings (the key is required)", nullptr);

  return set;
}

MappingSet read_root(const Json& root, const std::string& source, const TextReadOptions& options) {
  const Reader rd(source);
  MappingSet set = read_header(rd, root, source, options);
  rd.each(root, "", "mappings", [&](const Json& j, const std::string& p) { set.runs.push_back(rd.run(j, p)); });
  rd.each(root, "", "unknown",
          [&](const Json& j, const std::string& p) { set.unknown.push_back(rd.unknown_range(j, p)); });
  rd.each(root, "", "faults", [&](const Json& j, const std::string& p) { set.faults.push_back(rd.fault(j, p)); });
  rd.each(root, "", "markers", [&](const Json& j, const std::string& p) { set.markers.push_back(rd.marker(j, p)); });
  rd.each(root, "", "tables", [&](const Json& j, const std::string& p) { set.tables.push_back(rd.table_frame(j, p)); });
  rd.each(root, "", "self_refs",
          [&](const Json& j, const std::string& p) { set.self_refs.push_back(rd.self_ref(j, p)); });
  rd.each(root, "", "notes", [&](const Json& j, const std::string& p) { set.notes.push_back(rd.string(j, p)); });
  rd.each(root, "", "facts", [&](const Json& j, const std::string& p) { set_fact(set.facts, rd.fact(j, p)); });

  rd.check_order(set.runs, "/mappings");
  rd.check_order(set.unknown, "/unknown");
  rd.check_order(set.faults, "/faults");
  if (auto broken = set.validate())
    throw text::ParseFailure{Error{source + ": expected a consistent mapping set, found: " + *broken}};
  return set;
}

/// ", \"writable\": ..., \"global\": ...": the rights fields runs and unknown ranges share.
template <class T>
std::string rights_json(const T& t) {
  return ", \"writable\": " + tri_json(t.writable) + ", \"user\": " + tri_json(t.user) +
         ", \"executable\": " + tri_json(t.executable) + ", \"user_writable\": " + tri_json(t.user_writable) +
         ", \"supervisor_executable\": " + tri_json(t.supervisor_executable) + ", \"global\": " + tri_json(t.global);
}

}  // namespace

void write_mapping_set_json(const MappingSet& set, std::ostream& out) {
  out << "{\n";
  out << "  \"format_version\": " << kMappingJsonVersion << ",\n";
  out << "  \"mode\": \"" << to_string(set.mode) << "\",\n";
  // A set read from JSON is written back with the origin it claims (none when it claims none).
  if (const std::string s = set.origin_source(); !s.empty()) out << "  \"source\": " << str(s) << ",\n";
  if (const std::string f = set.origin_format(); !f.empty()) out << "  \"format\": " << str(f) << ",\n";
  write_array(out, "mappings", set.runs, [](const Run& r) {
    return "{" + range_json(r.range) +
           ", \"phys\": " + hex_or_null(r.phys ? std::optional<std::uint64_t>(r.phys->value()) : std::nullopt) +
           ", \"page_size\": " + num_or_null(r.page_size) + rights_json(r) + ", \"valid\": " + tri_json(r.valid) +
           ", \"page_table_frame\": " + tri_json(r.page_table_frame) + ", \"pkey\": " + num_or_null(r.pkey) +
           ", \"pwt\": " + bool_or_null(r.pwt) + ", \"pcd\": " + bool_or_null(r.pcd) +
           ", \"pat\": " + bool_or_null(r.pat) + ", \"leaf_raw\": " + hex_or_null(r.leaf_raw) +
           ", \"provenance\": " + provenance_json(r.provenance) + "}";
  });
  write_array(out, "unknown", set.unknown, [](const UnknownRange& u) {
    return "{" + range_json(u.range) + ", \"reason\": " + str(u.reason) +
           ", \"provenance\": " + provenance_json(u.provenance) + rights_json(u) +
           ", \"max_page_size\": " + (u.max_page_size ? std::to_string(u.max_page_size) : std::string("null")) +
           ", \"may_hold_tables\": " + (u.may_hold_tables ? "true" : "false") + "}";
  });
  write_array(out, "faults", set.faults, [](const FaultRange& f) {
    return "{" + range_json(f.range) + ", \"entry\": \"" + hex16(f.entry.value()) +
           "\", \"level\": " + level_json(f.level) + ", \"raw\": \"" + hex16(f.raw) + "\", \"reserved\": \"" +
           hex16(f.reserved) + "\"}";
  });
  write_array(out, "markers", set.markers, [](const Marker& m) {
    return "{\"address\": \"" + hex16(m.address.value()) + "\", \"name\": " + str(m.name) +
           ", \"line\": " + std::to_string(m.line) + "}";
  });
  write_array(out, "tables", set.tables, [](const TableFrame& t) {
    return "{\"pa\": \"" + hex16(t.pa.value()) + "\", \"level\": " + level_json(t.level) + "}";
  });
  write_array(out, "self_refs", set.self_refs, [](const SelfReference& s) {
    return "{\"entry\": \"" + hex16(s.entry_address.value()) + "\", \"level\": " + level_json(s.level) +
           ", \"index\": " + std::to_string(s.index) + ", \"target\": \"" + hex16(s.target.value()) + "\", " +
           range_json(s.range) + ", \"recursive_slot\": " + (s.recursive_slot ? "true" : "false") + "}";
  });
  write_array(out, "notes", set.notes, [](const std::string& n) { return str(n); });
  write_array(
      out, "facts", set.facts,
      [](const Fact& f) {
        return "{\"id\": " + str(std::string(fact_key(f.id))) +
               ", \"source\": " + str(std::string(to_string(f.source))) + ", \"value\": " + str(f.value) +
               ", \"origin\": " + str(f.origin) + ", \"matters\": " + (f.matters ? "true" : "false") + "}";
      },
      true);
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

Expected<MappingSet> read_mapping_json(std::string_view content, const std::string& source,
                                       const TextReadOptions& options) {
  return read_json<Json>(content, source, [&](const Json& root) { return read_root(root, source, options); });
}

}  // namespace ptv
