// layers/option_fields.h — the field table of an options struct, declared once next to the
// struct: each field's key, member, kind, doc and (for a choice) its values, plus how it is
// written back as text and set from text. The table works over the type-erased value
// (std::any holding the struct), so a registry entry (an attention type,
// layers/attention/attention_type.h) can read, write and list options without knowing them.
//
// Declaring fields: a builder derives from OptionFieldsBuilder<O, Self> and gets
//     .integer("key", &O::member, "doc")  .real(...)  .boolean(...)  .choice(..., {"a", "b"}, ...)
// each returning Self& so that a registry's own calls chain with them; take_fields() hands the
// table over.
//
// Text: integers in decimal, reals in their shortest exact form with a dot ("0.0", "1.0e-05"),
// booleans as true/false, choices as written. A bad value is an error naming the key
// ("<noun> 'key' expects an integer, got 'x'"), the noun given by the builder.
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace linattn {

enum class OptionKind { Integer, Real, Boolean, Choice };

// One field of an options struct, over the type-erased options value.
struct OptionField {
  std::string key, doc;
  OptionKind kind = OptionKind::Integer;
  std::vector<std::string> choices;                        // Choice only
  std::function<std::string(const std::any&)> text;        // the value, as the config writes it
  std::function<void(std::any&, const std::string&)> set;  // from text; a bad value names the key
};

// The field called `key` in `fields`, or null.
const OptionField* find_option_field(const std::vector<OptionField>& fields, const std::string& key);
// The keys of `fields`, in order.
std::vector<std::string> option_field_keys(const std::vector<OptionField>& fields);
// Every field of `value` as key -> text, in order.
std::vector<std::pair<std::string, std::string>> option_field_values(const std::vector<OptionField>& fields,
                                                                     const std::any& value);

// The text of a real option: the shortest form that reads back exactly, always with a dot
// ("0.0", "1.0e-05"), as the resolved config.yaml writes it.
std::string option_real_text(double v);

namespace option_fields_detail {
// `noun` names what the key belongs to in the message: "attention option".
std::int64_t parse_integer(const std::string& noun, const std::string& key, const std::string& v);
double parse_real(const std::string& noun, const std::string& key, const std::string& v);
bool parse_boolean(const std::string& noun, const std::string& key, const std::string& v);
std::string parse_choice(const std::string& noun, const std::string& key, const std::string& v,
                         const std::vector<std::string>& choices);
}  // namespace option_fields_detail

// The field-declaring half of a registry builder (CRTP: Self is the builder, so each call
// returns it and chains with the builder's own calls).
template <class O, class Self>
class OptionFieldsBuilder {
 public:
  Self& integer(const std::string& key, std::int64_t O::*m, std::string doc) {
    return add(key, std::move(doc), OptionKind::Integer, {}, [m](const O& o) { return std::to_string(o.*m); },
               [m, key, noun = noun_](O& o, const std::string& v) {
                 o.*m = option_fields_detail::parse_integer(noun, key, v);
               });
  }
  Self& real(const std::string& key, double O::*m, std::string doc) {
    return add(key, std::move(doc), OptionKind::Real, {}, [m](const O& o) { return option_real_text(o.*m); },
               [m, key, noun = noun_](O& o, const std::string& v) {
                 o.*m = option_fields_detail::parse_real(noun, key, v);
               });
  }
  Self& boolean(const std::string& key, bool O::*m, std::string doc) {
    return add(key, std::move(doc), OptionKind::Boolean, {},
               [m](const O& o) { return std::string(o.*m ? "true" : "false"); },
               [m, key, noun = noun_](O& o, const std::string& v) {
                 o.*m = option_fields_detail::parse_boolean(noun, key, v);
               });
  }
  Self& choice(const std::string& key, std::string O::*m, std::vector<std::string> choices, std::string doc) {
    return add(key, std::move(doc), OptionKind::Choice, choices, [m](const O& o) { return o.*m; },
               [m, key, choices, noun = noun_](O& o, const std::string& v) {
                 o.*m = option_fields_detail::parse_choice(noun, key, v, choices);
               });
  }

 protected:
  explicit OptionFieldsBuilder(std::string noun) : noun_(std::move(noun)) {}
  std::vector<OptionField> take_fields() { return std::move(fields_); }

 private:
  Self& add(const std::string& key, std::string doc, OptionKind kind, std::vector<std::string> choices,
            std::function<std::string(const O&)> get, std::function<void(O&, const std::string&)> set) {
    OptionField f;
    f.key = key;
    f.doc = std::move(doc);
    f.kind = kind;
    f.choices = std::move(choices);
    f.text = [get](const std::any& a) { return get(*std::any_cast<O>(&a)); };
    f.set = [set](std::any& a, const std::string& v) { set(*std::any_cast<O>(&a), v); };
    fields_.push_back(std::move(f));
    return static_cast<Self&>(*this);
  }

  std::string noun_;
  std::vector<OptionField> fields_;
};

}  // namespace linattn
