#include "cli/manual.h"

#include <CLI/CLI.hpp>
#include <set>
#include <sstream>

#include "cli/spec_lookup.h"

namespace ptv::cli {

namespace {

/// Text for roff: backslashes escaped, a line that would start a request guarded, and '-' as the
/// minus sign man(7) wants in options.
std::string roff(const std::string& text, bool minus = false) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else if (c == '-' && minus)
      out += "\\-";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

std::vector<const CLI::Option*> visible_options(const CLI::App& app) {
  return app.get_options([](const CLI::Option* o) { return !o->get_group().empty(); });
}

std::vector<const CLI::App*> subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
}

/// Every command as it is typed ("check", "spec show"): a group of subcommands (`spec`) stands
/// for its members.
std::vector<std::pair<std::string, const CLI::App*>> commands(const CLI::App& app) {
  std::vector<std::pair<std::string, const CLI::App*>> out;
  for (const CLI::App* sub : subcommands(app)) {
    const std::vector<const CLI::App*> members = subcommands(*sub);
    if (members.empty()) out.emplace_back(sub->get_name(), sub);
    for (const CLI::App* m : members) out.emplace_back(sub->get_name() + " " + m->get_name(), m);
  }
  return out;
}

/// "-o, --output FILE": the option's names and, unless a flag, its value's name.
std::string option_synopsis(const CLI::Option& o) {
  std::string names = o.get_name(false, true);
  std::string out;
  for (char c : names) out += c == ',' ? std::string(", ") : std::string(1, c);
  if (o.get_type_size() != 0 && !o.get_positional()) out += ' ' + o.get_type_name();
  return out;
}

void write_options(std::ostringstream& os, const CLI::App& app) {
  for (const CLI::Option* o : visible_options(app)) {
    os << ".TP\n.B " << roff(option_synopsis(*o), true) << '\n' << roff(o->get_description()) << '\n';
  }
}

}  // namespace

std::string man_page(const CLI::App& app) {
  std::ostringstream os;
  os << ".TH PTVERIFY 1 \"\" \"ptverify\" \"User Commands\"\n"
     << ".SH NAME\nptverify \\- " << roff("a formally checked x86_64 page-table verifier") << '\n'
     << ".SH SYNOPSIS\n";
  for (const auto& [name, sub] : commands(app)) {
    os << ".B ptverify " << name << '\n';
    for (const CLI::Option* o : sub->get_options())
      if (o->get_positional()) os << ".I " << o->get_name() << '\n';
    os << "[options]\n.br\n";
  }
  os << ".SH DESCRIPTION\n"
     << roff(
            "ptverify reads a page-table dump (an ELF core, a kdump crash dump, /proc/kcore, a raw image, or a "
            "text listing) and a layout spec, and proves for every virtual address that the mappings obey the "
            "spec, or lists counterexamples with their address range and walk.")
     << '\n';
  os << ".SH OPTIONS\n";
  write_options(os, app);
  os << ".SH COMMANDS\n";
  for (const auto& [name, sub] : commands(app)) {
    os << ".SS " << name << '\n' << roff(sub->get_description()) << '\n';
    write_options(os, *sub);
    if (const std::string footer = sub->get_footer(); !footer.empty())
      os << ".PP\n.nf\n" << roff(footer, true) << "\n.fi\n";
  }
  os << ".SH EXIT STATUS\n"
     << ".TP\n0\nthe property holds, or the command succeeded\n"
     << ".TP\n1\ncheck: violations found; prove: an obligation refuted; diff: the dumps differ\n"
     << ".TP\n2\nbad input or usage: the message names the file and where\n"
     << ".TP\n3\nunknown: a limit was reached, or the input cannot settle the question\n"
     << ".TP\n4\nan internal error\n";
  os << ".SH FILES\n.TP\n.I share/ptverify/specs/\n"
     << roff(
            "the bundled layout specs, beside the binary's bin/ (e.g. /usr/share/ptverify/specs): --spec NAME "
            "finds linux-x86_64-4level there")
     << '\n';
  os << ".SH SEE ALSO\n"
     << roff("ptverify COMMAND --help; the documentation in /usr/share/doc/ptverify (README.md and docs/).") << '\n';
  return os.str();
}

std::string bash_completion(const CLI::App& app) {
  std::set<std::string> specs;
  for (const auto& dir : bundled_spec_dirs()) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".json") specs.insert(e.path().stem().string());
  }
  std::ostringstream os;
  os << "# bash completion for ptverify (made by `ptverify --bash-completion`)\n"
     << "_ptverify() {\n"
     << "  local cur prev cmd i\n"
     << "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
     << "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
     << "  cmd=\"\"\n"
     << "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
     << "    case \"${COMP_WORDS[i]}\" in -*) ;; *) cmd=\"${COMP_WORDS[i]}\"; break ;; esac\n"
     << "  done\n"
     << "  if [[ \"$prev\" == --spec || \"$prev\" == -s || \"$prev\" == --check ]]; then\n"
     << "    COMPREPLY=($(compgen -W \"";
  bool first = true;
  for (const std::string& s : specs) os << (std::exchange(first, false) ? "" : " ") << s;
  os << "\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
     << "    return\n"
     << "  fi\n"
     << "  local opts members=\"\"\n"
     << "  case \"$cmd\" in\n";
  std::string names;
  for (const CLI::App* sub : subcommands(app)) {
    names += (names.empty() ? "" : " ") + sub->get_name();
    // A group (`spec`) completes its members' names right after it, and the options of all of
    // them.
    std::vector<const CLI::Option*> options = visible_options(*sub);
    std::string members;
    for (const CLI::App* m : subcommands(*sub)) {
      members += (members.empty() ? "" : " ") + m->get_name();
      const std::vector<const CLI::Option*> more = visible_options(*m);
      options.insert(options.end(), more.begin(), more.end());
    }
    std::string opts;
    for (const CLI::Option* o : options) {
      if (o->get_positional()) continue;
      std::string all = o->get_name(false, true);
      std::size_t at = 0;
      while (at <= all.size()) {
        const std::size_t comma = all.find(',', at);
        const std::string one = all.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (one.starts_with("--")) opts += (opts.empty() ? "" : " ") + one;
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    }
    os << "    " << sub->get_name() << ") opts=\"" << opts << " --help\"";
    if (!members.empty()) os << "; members=\"" << members << "\"";
    os << " ;;\n";
  }
  os << "    *) COMPREPLY=($(compgen -W \"" << names << " --help --version\" -- \"$cur\")); return ;;\n"
     << "  esac\n"
     << "  if [[ \"$cur\" == -* ]]; then\n"
     << "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
     << "  elif [[ -n \"$members\" && \"$prev\" == \"$cmd\" ]]; then\n"
     << "    COMPREPLY=($(compgen -W \"$members\" -- \"$cur\"))\n"
     << "  else\n"
     << "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
     << "  fi\n"
     << "}\n"
     << "complete -o filenames -F _ptverify ptverify\n";
  return os.str();
}

}  // namespace ptv::cli
