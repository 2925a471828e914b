// apps/args.cpp — command-line flag parsing for the `linattn` commands (see cli.h).
#include <algorithm>

#include "apps/cli.h"

namespace linattn::cli {

std::string ParsedArgs::value(const std::string& flag, const std::string& fallback) const {
  auto it = values.find(flag);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& flag) const {
  auto it = values.find(flag);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

ParsedArgs parse_args(const std::string& command, const Args& args, const std::vector<FlagSpec>& flags) {
  ParsedArgs out;
  auto known = [&] {
    std::string list;
    for (const auto& f : flags) list += (list.empty() ? "" : ", ") + f.name;
    return list.empty() ? std::string("none") : list;
  };
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    std::string name = arg, value;
    const auto eq = arg.find('=');
    const bool inline_value = eq != std::string::npos && arg.rfind("--", 0) == 0;
    if (inline_value) name = arg.substr(0, eq), value = arg.substr(eq + 1);
    auto spec = std::find_if(flags.begin(), flags.end(), [&](const FlagSpec& f) { return f.name == name; });
    if (spec == flags.end())
      throw UsageError(str_cat("unknown option '", name, "' (options of `linattn ", command, "`: ", known(), ")"));
    if (spec->takes_value && !inline_value) {
      if (i + 1 >= args.size() || (args[i + 1].rfind("--", 0) == 0 && args[i + 1].size() > 2))
        throw UsageError(str_cat("option ", name, " needs a value"));
      value = args[++i];
    } else if (!spec->takes_value && inline_value) {
      throw UsageError(str_cat("option ", name, " takes no value (got '", arg, "')"));
    }
    if (spec->takes_value && value.empty()) throw UsageError(str_cat("option ", name, " needs a non-empty value"));
    auto& slot = out.values[name];
    if (!slot.empty() && !spec->repeatable) throw UsageError(str_cat("option ", name, " is given twice"));
    slot.push_back(value);
  }
  return out;
}

void expect_positional(const std::string& command, const ParsedArgs& parsed, std::size_t min, std::size_t max,
                       const std::string& names) {
  const std::size_t n = parsed.positional.size();
  if (n < min) throw UsageError(str_cat("`linattn ", command, "` needs ", names));
  if (n > max)
    throw UsageError(str_cat("`linattn ", command, "` takes ", names, ", but got an extra argument '",
                             parsed.positional[max], "'"));
}

}  // namespace linattn::cli
