// layers/attention/attention_type.cpp — the registry and AttentionOptions of attention_type.h.
// The built-in types are registered on first use (builtin_attention_types, registry.cpp).
#include "layers/attention/attention_type.h"

#include <algorithm>
#include <list>
#include <mutex>

namespace linattn {

std::vector<AttentionType> builtin_attention_types();  // registry.cpp

namespace {

struct Registry {
  std::recursive_mutex mutex;
  std::list<AttentionType> storage;             // never shrinks: references stay valid
  std::vector<const AttentionType*> by_order;   // registration order, one per name
};

Registry& registry() {
  static Registry* r = [] {
    auto* out = new Registry();  // never destroyed: usable from static destructors
    for (auto& type : builtin_attention_types()) out->by_order.push_back(&out->storage.emplace_back(std::move(type)));
    return out;
  }();
  return *r;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

// ---- AttentionType -----------------------------------------------------------------------------

const OptionField* AttentionType::field(const std::string& key) const { return find_option_field(fields, key); }

std::vector<std::string> AttentionType::keys() const { return option_field_keys(fields); }

// ---- the registry ------------------------------------------------------------------------------

void register_attention_type(AttentionType type) {
  LINATTN_CHECK(!type.name.empty() && type.make && type.defaults.has_value(),
                "register_attention_type: a type needs a name, defaults and a factory");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const AttentionType* added = &r.storage.emplace_back(std::move(type));
  auto it = std::find_if(r.by_order.begin(), r.by_order.end(), [&](const AttentionType* t) { return t->name == added->name; });
  if (it != r.by_order.end()) *it = added;
  else r.by_order.push_back(added);
}

std::vector<std::string> attention_types() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto* t : r.by_order) out.push_back(t->name);
  return out;
}

bool is_attention_type(const std::string& name) {
  const auto names = attention_types();
  return std::find(names.begin(), names.end(), name) != names.end();
}

const AttentionType& attention_type(const std::string& name) {
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto* t : r.by_order)
      if (t->name == name) return *t;
  }
  fail(str_cat("unknown attention type '", name, "' (valid: ", join(attention_types()), ")"));
}

// ---- AttentionOptions --------------------------------------------------------------------------

AttentionOptions::AttentionOptions() : type_(&attention_type("softmax")), value_(type_->defaults) {}

AttentionOptions AttentionOptions::defaults(const std::string& type) {
  AttentionOptions out;
  out.type_ = &attention_type(type);
  out.value_ = out.type_->defaults;
  return out;
}

void AttentionOptions::check_holds(const std::type_info& t) const {
  LINATTN_CHECK(value_.type() == t, "attention options of type '", type_->name, "' do not hold ", t.name());
}

void AttentionOptions::set(const std::string& key, const std::string& value) {
  const OptionField* f = type_->field(key);
  if (!f)
    fail(str_cat("unknown option '", key, "' for attention type '", type_->name, "' (valid: ", join(type_->keys()),
                 ")"));
  f->set(value_, value);
}

std::vector<std::pair<std::string, std::string>> AttentionOptions::values() const {
  return option_field_values(type_->fields, value_);
}

void AttentionOptions::set_heads(std::int64_t heads) {
  if (has_heads()) set(type_->heads_field, std::to_string(heads));
}

AttentionOptions AttentionOptions::fitted(const AttentionSite& site, const std::string& who,
                                          const std::string& cls_conflict, const std::string& hint) const {
  LINATTN_CHECK(!(type_->needs_grid && site.cls_token), who, ": ", type_->name, " attention ", cls_conflict,
                " — the cls token has no grid position (docs/attention.md §3.3). ---> HINT: ", hint);
  AttentionOptions out = *this;
  out.set_heads(site.heads);
  if (type_->fit) type_->fit(out.value_, site);
  return out;
}

void AttentionOptions::check(const AttentionSite& site, const OptionChecks& checks) const {
  if (type_->check) type_->check(value_, site, checks);
}

bool AttentionOptions::operator==(const AttentionOptions& other) const {
  return type_->name == other.type_->name && values() == other.values();
}

AttentionOptions parse_attention_options(const std::string& type, const std::map<std::string, std::string>& values) {
  AttentionOptions options = AttentionOptions::defaults(type);
  for (const auto& [key, value] : values) options.set(key, value);
  return options;
}

std::vector<std::string> attention_option_keys(const std::string& type) { return attention_type(type).keys(); }

std::string attention_type_of(const AttentionOptions& options) { return options.type_name(); }

}  // namespace linattn
