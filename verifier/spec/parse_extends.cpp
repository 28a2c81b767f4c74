// The spec parser, part three: "extends". A spec that extends another is merged into it as JSON
// (the base flattened first, recursively), then read as one spec; every value of the merged JSON
// remembers the file and path it was written at, so that an error names where to fix it.
//
// The merge, as docs/spec-language.md ("Specs that extend specs") states it:
//   - name, description: the extending file's, when it gives them;
//   - rules: key by key (user_kernel_split's two keys each on its own);
//   - parameters, definitions: entry by entry, by name: a new entry is added, an existing one
//     replaced whole (a definition keeps its place, so later definitions may use it);
//   - constraints: appended;
//   - regions, arrays: by region name: a new name is added at the end of its list, an existing
//     one merged key by key (null removes a key; one of end/last/size replaces the others), and
//     {"name": N, "remove": true} removes one (an error while a region stays nested_in it);
//   - exceptions: appended; {"rule": R, "region": N, "remove": true} removes the base's (an
//     error while a base's exception names a region the file removes).
#include <algorithm>
#include <deque>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>

#include "verifier/base/compressed.h"
#include "verifier/spec/parse.h"
#include "verifier/spec/parse_reader.h"
#include "verifier/spec/source_lines.h"

namespace ptv::spec {

namespace fs = std::filesystem;
using detail::child;
using detail::element;
using detail::Json;
using detail::Reader;
using detail::SpecFailure;

namespace {

/// One file read: its name as diagnostics give it, and the line of each of its values.
struct Source {
  std::string file;
  std::map<std::string, unsigned> lines;
};

/// Where a value of the merged JSON was written: a file (an index into the loader's sources)
/// and the JSON path in that file.
struct Origin {
  std::size_t source = 0;
  std::string path;
};

/// Origins by merged path; a path without an entry of its own is where its nearest ancestor
/// with one was, plus the rest of the path. "" always has an entry.
using Origins = std::map<std::string, Origin>;

/// A spec's JSON with "extends" resolved, and where each of its values came from.
struct Flat {
  Json json;
  Origins origins;
  std::size_t source = 0;  ///< the file this is the flattening of
};

/// The path one level up: "regions[3].start" -> "regions[3]" -> "regions" -> "".
std::string parent_of(const std::string& path) {
  const std::size_t dot = path.rfind('.');
  const std::size_t bracket = path.rfind('[');
  std::size_t cut = std::string::npos;
  if (dot != std::string::npos) cut = dot;
  if (bracket != std::string::npos && (cut == std::string::npos || bracket > cut)) cut = bracket;
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

Origin origin_of(const Origins& origins, const std::string& path) {
  for (std::string p = path;; p = parent_of(p)) {
    if (auto it = origins.find(p); it != origins.end()) {
      const std::string rest = path.substr(p.size());
      std::string where = it->second.path;
      if (where.empty() && !rest.empty() && rest[0] == '.')
        where = rest.substr(1);
      else
        where += rest;
      return Origin{it->second.source, where};
    }
    if (p.empty()) return Origin{0, path};
  }
}

/// True when `path` is `prefix` or lies under it.
bool under(const std::string& path, const std::string& prefix) {
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

void erase_under(Origins& origins, const std::string& prefix) {
  for (auto it = origins.begin(); it != origins.end();) it = under(it->first, prefix) ? origins.erase(it) : ++it;
}

/// Copies the origins of `from`'s subtree in `base` to `to` in `out`, with an entry for `to` itself.
void copy_under(const Origins& base, const std::string& from, const std::string& to, Origins& out) {
  for (const auto& [path, origin] : base)
    if (under(path, from)) out[to + path.substr(from.size())] = origin;
  if (!out.count(to)) out[to] = origin_of(base, from);
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

class Loader {
 public:
  explicit Loader(const SpecSearch& search) : search_(search) {}

  /// The flattening of `text`, read from `file`; `chain` holds the files that extend it.
  Flat flatten(std::string_view text, const std::string& file, std::vector<std::pair<fs::path, std::string>> chain) {
    // Parsed first: parse_json refuses nesting deeper than the scan of lines should see.
    Json json = detail::parse_json(text, file);
    sources_.push_back(Source{file, value_lines(text)});
    Flat flat;
    flat.source = sources_.size() - 1;
    flat.origins[""] = Origin{flat.source, ""};
    flat.json = std::move(json);
    if (!flat.json.is_object() || !flat.json.contains("extends")) return flat;

    const Reader own = reader_for(flat);
    const std::string base_name = own.string_at(flat.json["extends"], "extends");
    if (base_name.empty()) own.fail("extends", "expected the name or path of the spec this one extends");
    chain.emplace_back(canonical(file), file);
    if (chain.size() > kMaxExtendsDepth)
      own.fail("extends", "more than " + std::to_string(kMaxExtendsDepth) + " specs extend one another");
    const fs::path base_path = resolve(own, file, base_name);
    const fs::path base_canonical = canonical(base_path.string());
    for (std::size_t i = 0; i < chain.size(); ++i) {
      if (chain[i].first != base_canonical) continue;
      std::string cycle;
      for (std::size_t k = i; k < chain.size(); ++k) cycle += chain[k].second + " -> ";
      own.fail("extends", "the specs extend one another in a cycle: " + cycle + base_path.string());
    }
    Expected<std::string> base_text = read_whole_file(base_path.string(), kMaxSpecBytes);
    if (!base_text) own.fail("extends", "cannot read the base spec: " + base_text.error().message);
    Flat base = flatten(*base_text, base_path.string(), chain);
    // The base must stand on its own: its errors name its own file, whatever extends it.
    (void)detail::read_spec(base.json, sources_[base.source].file, locator(base));
    flat.json.erase("extends");
    return merge(base, flat);
  }

  Reader::Locator locator(const Flat& flat) const {
    return [this, &flat](const std::string& path) {
      const Origin o = origin_of(flat.origins, path);
      std::string w = where(o);
      // A base's value inside an entry this file changed (a key of a region it merges into):
      // the change is named too, since the two together are what is wrong.
      if (o.source != flat.source)
        for (std::string p = parent_of(path); !p.empty(); p = parent_of(p))
          if (auto it = flat.origins.find(p); it != flat.origins.end() && it->second.source == flat.source)
            return w + " (merged with " + where(it->second) + ")";
      return w;
    };
  }

  /// "FILE:LINE: PATH", the line of the path's nearest ancestor the file shows.
  std::string where(const Origin& o) const {
    const Source& src = sources_[o.source];
    unsigned line = 0;
    for (std::string p = o.path;; p = parent_of(p)) {
      if (auto it = src.lines.find(p); it != src.lines.end()) {
        line = it->second;
        break;
      }
      if (p.empty()) break;
    }
    return src.file + (line != 0 ? ":" + std::to_string(line) : std::string()) + ": " +
           (o.path.empty() ? std::string("(top level)") : o.path);
  }

  /// The file and line `path` of the merged spec was written on; the file is empty when it is
  /// `flat`'s own, and the line 0 when not known.
  std::pair<std::string, unsigned> line_of(const Flat& flat, const std::string& path) const {
    const Origin o = origin_of(flat.origins, path);
    const auto& lines = sources_[o.source].lines;
    auto it = lines.find(o.path);
    return {o.source == flat.source ? std::string() : sources_[o.source].file, it == lines.end() ? 0 : it->second};
  }

 private:
  Reader reader_for(const Flat& flat) const { return Reader(sources_[flat.source].file, locator(flat)); }

  static fs::path canonical(const std::string& file) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::path(file), ec);
    return ec ? fs::path(file).lexically_normal() : p;
  }

  /// The file "extends": NAME names: a path relative to the extending file (NAME or NAME.json
  /// beside it; any NAME with a '/' is a path), else a bundled spec.
  fs::path resolve(const Reader& own, const std::string& file, const std::string& name) const {
    const fs::path dir = fs::path(file).parent_path();
    const fs::path beside = (dir / name).lexically_normal();
    if (name.find('/') != std::string::npos || file_exists(beside)) return beside;
    if (!name.ends_with(".json") && file_exists(fs::path(beside.string() + ".json"))) return beside.string() + ".json";
    Expected<fs::path> bundled = find_bundled_spec(name, search_.bundled_dirs);
    if (!bundled) own.fail("extends", bundled.error().message);
    return *bundled;
  }

  Flat merge(const Flat& base, Flat& ext);
  void merge_regions(const Flat& base, Flat& ext, const Reader& own, Flat& out);
  void merge_exceptions(const Flat& base, Flat& ext, const Reader& own, Flat& out);

  const SpecSearch& search_;
  std::deque<Source> sources_;
};

Flat Loader::merge(const Flat& base, Flat& ext) {
  const Reader own = reader_for(ext);
  const Json& e = ext.json;
  own.expect_object(
      e, "",
      {"name", "description", "rules", "parameters", "definitions", "constraints", "regions", "arrays", "exceptions"});
  Flat out;
  out.source = ext.source;
  out.json = Json::object();
  out.origins[""] = Origin{ext.source, ""};
  for (auto it = base.json.begin(); it != base.json.end(); ++it) {
    if (it.key() == "regions" || it.key() == "arrays" || it.key() == "exceptions") continue;
    out.json[it.key()] = it.value();
    copy_under(base.origins, it.key(), it.key(), out.origins);
  }
  auto take = [&](const std::string& path, const Json& value, Json& slot) {
    slot = value;
    erase_under(out.origins, path);
    out.origins[path] = Origin{ext.source, path};
  };
  for (const char* key : {"name", "description"})
    if (e.contains(key)) take(key, e[key], out.json[key]);

  if (e.contains("rules")) {
    own.expect_object(e["rules"], "rules",
                      {"paging_mode", "canonical", "null_guard", "wx", "user_kernel_split", "outside_regions",
                       "recursive_slot", "conflicting_aliases"});
    Json& rules = out.json["rules"];
    for (auto it = e["rules"].begin(); it != e["rules"].end(); ++it) {
      const std::string p = child("rules", it.key());
      if (it.key() == "user_kernel_split" && it.value().is_object() && rules.contains(it.key()) &&
          rules[it.key()].is_object()) {
        for (auto sub = it.value().begin(); sub != it.value().end(); ++sub)
          take(child(p, sub.key()), sub.value(), rules[it.key()][sub.key()]);
      } else {
        take(p, it.value(), rules[it.key()]);
      }
    }
  }
  for (const char* key : {"parameters", "definitions"}) {
    if (!e.contains(key)) continue;
    if (!e[key].is_object()) own.fail(key, "expected an object mapping names to their entries");
    if (!out.json.contains(key)) take(key, Json::object(), out.json[key]);
    for (auto it = e[key].begin(); it != e[key].end(); ++it)
      take(child(key, it.key()), it.value(), out.json[key][it.key()]);
  }
  if (e.contains("constraints")) {
    own.expect_array(e["constraints"], "constraints");
    if (!out.json.contains("constraints")) take("constraints", Json::array(), out.json["constraints"]);
    Json& list = out.json["constraints"];
    for (std::size_t i = 0; i < e["constraints"].size(); ++i) {
      out.origins[element("constraints", list.size())] = Origin{ext.source, element("constraints", i)};
      list.push_back(e["constraints"][i]);
    }
  }
  merge_regions(base, ext, own, out);
  merge_exceptions(base, ext, own, out);
  return out;
}

void Loader::merge_exceptions(const Flat& base, Flat& ext, const Reader& own, Flat& out) {
  struct Entry {
    Json json;
    Origin whole;            ///< where the entry was written
    std::string base_path;   ///< its path in the base; empty for the extension's
    std::string removed_by;  ///< the extending entry that removes it
  };
  auto key_of = [](const Json& j) {
    auto text = [&j](const char* k) {
      return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
    };
    return std::make_pair(text("rule"), text("region"));
  };
  std::vector<Entry> entries;
  if (base.json.contains("exceptions") && base.json["exceptions"].is_array())
    for (std::size_t i = 0; i < base.json["exceptions"].size(); ++i) {
      const std::string p = element("exceptions", i);
      entries.push_back(Entry{base.json["exceptions"][i], origin_of(base.origins, p), p, {}});
    }
  if (ext.json.contains("exceptions")) {
    const Json& items = ext.json["exceptions"];
    own.expect_array(items, "exceptions");
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string p = element("exceptions", i);
      const Json& item = items[i];
      if (!item.is_object() || !item.contains("remove")) {
        entries.push_back(Entry{item, Origin{ext.source, p}, {}, {}});
        continue;
      }
      if (!item["remove"].is_boolean() || !item["remove"].get<bool>())
        own.fail(child(p, "remove"),
                 "expected true (\"remove\": true removes the base's exception to that rule there)");
      for (const char* k : {"rule", "region"})
        if (!item.contains(k)) own.fail(p, std::string("missing key \"") + k + "\" (which exception to remove)");
      if (item.size() != 3) own.fail(p, "an entry with \"remove\" has only \"rule\", \"region\" and \"remove\"");
      const std::string rule = own.string_at(item["rule"], child(p, "rule"));
      const std::string region = own.string_at(item["region"], child(p, "region"));
      Entry* found = nullptr;
      for (Entry& en : entries)
        if (!en.base_path.empty() && en.removed_by.empty() && key_of(en.json) == std::make_pair(rule, region))
          found = &en;
      if (!found) {
        std::string msg = "the base has no exception to \"" + rule + "\" for region \"" + region + "\"";
        std::string list;
        for (const Entry& en : entries)
          if (!en.base_path.empty() && en.removed_by.empty())
            list += (list.empty() ? "" : ", ") + key_of(en.json).first + " in " + key_of(en.json).second;
        own.fail(p, msg + (list.empty() ? std::string(" (it has none)") : "; it has: " + list));
      }
      found->removed_by = p;
    }
  }
  // An exception of the base to a region the extension removed goes with it only when the
  // extension says so.
  std::set<std::string> names;
  for (const char* list : {"regions", "arrays"})
    if (out.json.contains(list) && out.json[list].is_array())
      for (const Json& r : out.json[list])
        if (r.is_object() && r.contains("name") && r["name"].is_string()) names.insert(r["name"].get<std::string>());
  Json items = Json::array();
  for (const Entry& en : entries) {
    if (!en.removed_by.empty()) continue;
    const auto [rule, region] = key_of(en.json);
    if (!en.base_path.empty() && !region.empty() && !names.count(region))
      own.fail("regions", "the base's exception to \"" + rule + "\" for region \"" + region +
                              "\" names a region this file removes: remove the exception too ({\"rule\": \"" + rule +
                              "\", \"region\": \"" + region + "\", \"remove\": true} under \"exceptions\")");
    const std::string p = element("exceptions", items.size());
    if (en.base_path.empty())
      out.origins[p] = en.whole;
    else
      copy_under(base.origins, en.base_path, p, out.origins);
    items.push_back(en.json);
  }
  if (!base.json.contains("exceptions") && !ext.json.contains("exceptions")) return;
  out.json["exceptions"] = std::move(items);
  out.origins["exceptions"] = base.json.contains("exceptions") ? origin_of(base.origins, "exceptions")
                                                               : Origin{ext.source, std::string("exceptions")};
}

void Loader::merge_regions(const Flat& base, Flat& ext, const Reader& own, Flat& out) {
  struct Entry {
    Json json;
    bool array = false;
    std::string base_path;       ///< its path in the base; empty for a new region
    std::string ext_path;        ///< the extending file's entry for it; empty when untouched
    std::set<std::string> keys;  ///< the keys the extending file set
    std::string removed_by;      ///< the extending entry that removes it
  };
  std::vector<Entry> entries;
  for (const char* list : {"regions", "arrays"}) {
    if (!base.json.contains(list) || !base.json[list].is_array()) continue;
    for (std::size_t i = 0; i < base.json[list].size(); ++i)
      entries.push_back(Entry{base.json[list][i], std::string_view(list) == "arrays", element(list, i), {}, {}, {}});
  }
  auto find = [&entries](const std::string& name) -> Entry* {
    for (Entry& en : entries)
      if (en.removed_by.empty() && en.json.is_object() && en.json.contains("name") && en.json["name"] == name)
        return &en;
    return nullptr;
  };
  std::set<std::string> seen;
  for (const char* list : {"regions", "arrays"}) {
    if (!ext.json.contains(list)) continue;
    const Json& items = ext.json[list];
    own.expect_array(items, list);
    const bool is_array = std::string_view(list) == "arrays";
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string p = element(list, i);
      const Json& item = items[i];
      if (!item.is_object()) own.fail(p, std::string("expected an object, got a JSON ") + item.type_name());
      if (!item.contains("name")) own.fail(p, "missing key \"name\"");
      const std::string name = own.string_at(item["name"], child(p, "name"));
      if (!seen.insert(name).second)
        own.fail(child(p, "name"), "\"" + name + "\" appears twice in this file's regions and arrays");
      Entry* found = find(name);
      if (item.contains("remove")) {
        if (!item["remove"].is_boolean() || !item["remove"].get<bool>())
          own.fail(child(p, "remove"), "expected true (\"remove\": true removes the base's region of that name)");
        if (item.size() != 2) own.fail(p, "an entry with \"remove\" has only \"name\" and \"remove\"");
        if (!found) {
          std::vector<std::string> names;
          for (const Entry& en : entries)
            if (en.removed_by.empty() && en.json.contains("name") && en.json["name"].is_string())
              names.push_back(en.json["name"].get<std::string>());
          std::string msg = "no region of the base is named \"" + name + "\"";
          if (auto s = detail::closest(name, names)) msg += " (did you mean \"" + *s + "\"?)";
          own.fail(child(p, "name"), msg);
        }
        found->removed_by = p;
        continue;
      }
      if (!found) {
        entries.push_back(Entry{item, is_array, {}, p, {}, {}});
        continue;
      }
      if (found->array != is_array)
        own.fail(p, "\"" + name + "\" is " + (found->array ? "an array" : "a plain region") +
                        " in the base: change it under \"" + (found->array ? "arrays" : "regions") + "\"");
      if (!found->ext_path.empty()) own.fail(child(p, "name"), "\"" + name + "\" is already changed by this file");
      found->ext_path = p;
      for (auto it = item.begin(); it != item.end(); ++it) {
        if (it.key() == "name") continue;
        if (!is_array && (it.key() == "end" || it.key() == "last" || it.key() == "size"))
          for (const char* other : {"end", "last", "size"}) found->json.erase(other);
        if (it.value().is_null())
          found->json.erase(it.key());
        else
          found->json[it.key()] = it.value();
        found->keys.insert(it.key());
      }
    }
  }
  for (const Entry& gone : entries) {
    if (gone.removed_by.empty()) continue;
    for (const Entry& en : entries)
      if (en.removed_by.empty() && en.json.contains("nested_in") && en.json["nested_in"] == gone.json["name"])
        own.fail(gone.removed_by, "cannot remove \"" + gone.json["name"].get<std::string>() + "\": \"" +
                                      en.json["name"].get<std::string>() +
                                      "\" is nested_in it (remove that one too, or change its \"nested_in\")");
  }
  for (const char* list : {"regions", "arrays"}) {
    const bool is_array = std::string_view(list) == "arrays";
    Json items = Json::array();
    for (const Entry& en : entries) {
      if (!en.removed_by.empty() || en.array != is_array) continue;
      const std::string p = element(list, items.size());
      if (en.base_path.empty()) {
        out.origins[p] = Origin{ext.source, en.ext_path};
      } else {
        copy_under(base.origins, en.base_path, p, out.origins);
        if (!en.ext_path.empty()) {
          // Each key of the base stays the base's; each the extension set is its own, and the
          // entry as a whole (a key missing, one too many) is the extension's.
          for (auto it = en.json.begin(); it != en.json.end(); ++it)
            if (!out.origins.count(child(p, it.key())) && !en.keys.count(it.key()))
              out.origins[child(p, it.key())] = origin_of(base.origins, child(en.base_path, it.key()));
          for (const std::string& key : en.keys) {
            erase_under(out.origins, child(p, key));
            out.origins[child(p, key)] = Origin{ext.source, child(en.ext_path, key)};
          }
          out.origins[p] = Origin{ext.source, en.ext_path};
        }
      }
      items.push_back(en.json);
    }
    const bool had = base.json.contains(list) || ext.json.contains(list);
    if (!had) continue;
    out.json[list] = std::move(items);
    out.origins[list] =
        base.json.contains(list) ? origin_of(base.origins, list) : Origin{ext.source, std::string(list)};
  }
}

/// The regions' lines, and for a region written in a base the spec extends, that base's file.
void set_region_lines(const Loader& loader, const Flat& flat, Spec& spec) {
  for (Region& r : spec.regions) std::tie(r.file, r.line) = loader.line_of(flat, r.path);
}

/// Pretty JSON of a flattened spec: one line per rule, parameter, definition, constraint and
/// region, as the bundled specs are written.
std::string flat_text(const Json& j) {
  std::string out = "{\n";
  bool first = true;
  for (auto it = j.begin(); it != j.end(); ++it) {
    out += first ? "  " : ",\n  ";
    first = false;
    out += Json(it.key()).dump() + ": ";
    const Json& v = it.value();
    if (v.is_object() && !v.empty()) {
      out += "{\n";
      bool f = true;
      for (auto m = v.begin(); m != v.end(); ++m) {
        out += (f ? "    " : ",\n    ") + Json(m.key()).dump() + ": " + m.value().dump();
        f = false;
      }
      out += "\n  }";
    } else if (v.is_array() && !v.empty()) {
      out += "[\n";
      for (std::size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "    " : ",\n    ") + v[i].dump();
      out += "\n  ]";
    } else {
      out += v.dump();
    }
  }
  return out + "\n}\n";
}

}  // namespace

Expected<fs::path> find_bundled_spec(const std::string& name, const std::vector<fs::path>& dirs) {
  const std::string file = name.ends_with(".json") ? name : name + ".json";
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    if (fs::is_regular_file(dir / file, ec)) return dir / file;
  }
  std::set<std::string> names;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    for (const fs::directory_entry& en : fs::directory_iterator(dir, ec))
      if (en.path().extension() == ".json") names.insert(en.path().stem().string());
  }
  std::string message = name + ": no such spec file, and no bundled spec has that name";
  if (names.empty()) return Error{message + " (no bundled specs are installed: give the spec's path)"};
  message += "; the bundled specs are:";
  for (const std::string& n : names) message += ' ' + n;
  return Error{message + " (in " + dirs.front().string() + ")"};
}

Expected<Spec> parse_spec(std::string_view text, std::string file, const SpecSearch& search) {
  try {
    Loader loader(search);
    const Flat flat = loader.flatten(text, file, {});
    Spec spec = detail::read_spec(flat.json, file, loader.locator(flat));
    set_region_lines(loader, flat, spec);
    return spec;
  } catch (const SpecFailure& f) {
    return Error{f.message};
  } catch (const Json::exception& e) {
    return Error{file + ": " + e.what()};
  }
}

Expected<Spec> load_spec(const fs::path& file, const SpecSearch& search) {
  // Read as every input is: a regular file only (a FIFO or device is refused without
  // blocking), gzip/zstd opened transparently, and no more than a spec could need.
  Expected<std::string> text = read_whole_file(file.string(), kMaxSpecBytes);
  if (!text) return text.error();
  return parse_spec(*text, file.string(), search);
}

Expected<std::string> flatten_spec(const fs::path& file, const SpecSearch& search) {
  Expected<std::string> text = read_whole_file(file.string(), kMaxSpecBytes);
  if (!text) return text.error();
  try {
    Loader loader(search);
    const Flat flat = loader.flatten(*text, file.string(), {});
    (void)detail::read_spec(flat.json, file.string(), loader.locator(flat));
    return flat_text(flat.json);
  } catch (const SpecFailure& f) {
    return Error{f.message};
  } catch (const Json::exception& e) {
    return Error{file.string() + ": " + e.what()};
  }
}

}  // namespace ptv::spec
