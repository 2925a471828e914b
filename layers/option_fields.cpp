// layers/option_fields.cpp — the field-table helpers and value parsing of option_fields.h.
#include "layers/option_fields.h"

#include <algorithm>
#include <charconv>
#include <exception>

#include "core/error.h"

namespace linattn {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

const OptionField* find_option_field(const std::vector<OptionField>& fields, const std::string& key) {
  for (const auto& f : fields)
    if (f.key == key) return &f;
  return nullptr;
}

std::vector<std::string> option_field_keys(const std::vector<OptionField>& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.key);
  return out;
}

std::vector<std::pair<std::string, std::string>> option_field_values(const std::vector<OptionField>& fields,
                                                                     const std::any& value) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) out.emplace_back(f.key, f.text(value));
  return out;
}

std::string option_real_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  std::string out(buf, end);
  // A dot in the mantissa keeps it a float for YAML 1.1 readers too: 1 -> 1.0, 1e-08 -> 1.0e-08.
  if (out.find('.') == std::string::npos) {
    auto e = out.find('e');
    out.insert(e == std::string::npos ? out.size() : e, ".0");
  }
  return out;
}

// ---- value parsing (the messages name the key) -------------------------------------------------

namespace option_fields_detail {

std::int64_t parse_integer(const std::string& noun, const std::string& key, const std::string& v) {
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  LINATTN_CHECK(ec == std::errc() && end == v.data() + v.size(), noun, " '", key, "' expects an integer, got '", v,
                "'");
  return out;
}

double parse_real(const std::string& noun, const std::string& key, const std::string& v) {
  try {
    std::size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  fail(str_cat(noun, " '", key, "' expects a number, got '", v, "'"));
}

bool parse_boolean(const std::string& noun, const std::string& key, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  fail(str_cat(noun, " '", key, "' expects true or false, got '", v, "'"));
}

std::string parse_choice(const std::string& noun, const std::string& key, const std::string& v,
                         const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
  fail(str_cat(noun, " '", key, "' must be one of ", join(choices), "; got '", v, "'"));
}

}  // namespace option_fields_detail

}  // namespace linattn
