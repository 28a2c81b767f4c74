#include "verifier/spec/source_lines.h"

#include <cstddef>
#include <string>

namespace ptv::spec {

namespace {

/// A cursor over JSON-with-comments text that counts lines as it moves.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  [[nodiscard]] bool done() const { return i_ >= text_.size(); }
  [[nodiscard]] char peek() const { return text_[i_]; }
  [[nodiscard]] unsigned line() const { return line_; }

  void advance() {
    if (text_[i_] == '\n') ++line_;
    ++i_;
  }

  /// Skips whitespace and comments; stops at the next token's first character.
  void skip_blank() {
    while (!done()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (c == '/' && i_ + 1 < text_.size() && text_[i_ + 1] == '/') {
        while (!done() && peek() != '\n') advance();
      } else if (c == '/' && i_ + 1 < text_.size() && text_[i_ + 1] == '*') {
        advance();
        advance();
        while (!done() && !(peek() == '*' && i_ + 1 < text_.size() && text_[i_ + 1] == '/')) advance();
        if (!done()) {
          advance();
          advance();
        }
      } else {
        return;
      }
    }
  }

  /// Reads the string starting at the current '"'; returns its raw content (escapes kept as
  /// written, which is enough to compare against a plain key).
  std::string read_string() {
    std::string s;
    advance();
    while (!done() && peek() != '"') {
      if (peek() == '\\') {
        s += peek();
        advance();
        if (done()) break;
      }
      s += peek();
      advance();
    }
    if (!done()) advance();
    return s;
  }

  /// Skips a number, true, false or null.
  void skip_scalar() {
    while (!done()) {
      const char c = peek();
      if (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/') return;
      advance();
    }
  }

 private:
  std::string_view text_;
  std::size_t i_ = 0;
  unsigned line_ = 1;
};

}  // namespace

std::vector<unsigned> top_level_element_lines(std::string_view text, std::string_view key) {
  // The containers open around the cursor: '{' or '['. Depth 1 is the top-level object; the
  // wanted array is at depth 2, opened right after its key.
  std::string open;
  bool expect_key = false;  // in an object, after '{' or ','
  std::string member;       // the last key read in the top-level object
  bool in_target = false;
  bool element_next = false;  // in the target array, after '[' or ','
  std::vector<unsigned> lines;
  Scanner s(text);
  for (s.skip_blank(); !s.done(); s.skip_blank()) {
    const char c = s.peek();
    if (in_target && open.size() == 2 && element_next && c != ']' && c != ',') {
      lines.push_back(s.line());
      element_next = false;
    }
    switch (c) {
      case '{':
      case '[':
        open += c;
        expect_key = c == '{';
        if (c == '[' && open.size() == 2 && open[0] == '{' && member == key && lines.empty()) {
          in_target = true;
          element_next = true;
        }
        s.advance();
        break;
      case '}':
      case ']':
        if (in_target && open.size() == 2) return lines;
        if (!open.empty()) open.pop_back();
        expect_key = false;
        s.advance();
        break;
      case ',':
        expect_key = !open.empty() && open.back() == '{';
        element_next = in_target && open.size() == 2;
        s.advance();
        break;
      case ':':
        expect_key = false;
        s.advance();
        break;
      case '"': {
        const bool is_key = expect_key;
        std::string str = s.read_string();
        if (is_key && open.size() == 1) member = std::move(str);
        expect_key = false;
        break;
      }
      default:
        // A '/' here opens no comment (skip_blank took those): no JSON, so step past it.
        if (c == '/')
          s.advance();
        else
          s.skip_scalar();
        break;
    }
  }
  return lines;
}

std::map<std::string, unsigned> value_lines(std::string_view text, bool last_wins) {
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;   // objects: the last key read
    std::string path;  // of the container itself
    bool expect_key;   // objects: after '{' or ','
  };
  std::vector<Frame> open;
  std::map<std::string, unsigned> lines;
  // The path of the value starting at the cursor.
  auto value_path = [&open]() -> std::string {
    if (open.empty()) return {};
    const Frame& f = open.back();
    if (f.array) return f.path + "[" + std::to_string(f.index) + "]";
    return f.path.empty() ? f.key : f.path + "." + f.key;
  };
  Scanner s(text);
  for (s.skip_blank(); !s.done(); s.skip_blank()) {
    const char c = s.peek();
    const bool is_key = c == '"' && !open.empty() && !open.back().array && open.back().expect_key;
    if (c != ']' && c != '}' && c != ',' && c != ':' && !is_key) {
      if (last_wins)
        lines[value_path()] = s.line();
      else
        lines.emplace(value_path(), s.line());
    }
    switch (c) {
      case '{':
      case '[': {
        std::string path = value_path();
        open.push_back(Frame{c == '[', 0, {}, std::move(path), c == '{'});
        s.advance();
        break;
      }
      case '}':
      case ']':
        if (!open.empty()) open.pop_back();
        s.advance();
        break;
      case ',':
        if (!open.empty()) {
          if (open.back().array)
            ++open.back().index;
          else
            open.back().expect_key = true;
        }
        s.advance();
        break;
      case ':':
        s.advance();
        break;
      case '"': {
        std::string str = s.read_string();
        if (is_key) {
          open.back().key = std::move(str);
          open.back().expect_key = false;
        }
        break;
      }
      default:
        if (c == '/')
          s.advance();
        else
          s.skip_scalar();
        break;
    }
  }
  return lines;
}

}  // namespace ptv::spec
