// layers/attention/attention_type.h — the attention registry: what one attention type declares in
// its own home (e.g. softmax_options.{h,cpp}) and what everything else (the config reader,
// validator and writer in train/, the models, `linattn layer`, the sweep) reads back without
// knowing any field.
//
// A type declares, once:
//   - its name and its options struct with the defaults of docs/attention.md;
//   - its fields: key, member, kind, doc (read from text, written back as text, listed in help),
//     with the field table of layers/option_fields.h;
//   - its rules: which field takes the model's heads, whether every token needs a grid cell (no
//     cls token), whether it supports cross-attention, how it fits a model's token layout (e.g.
//     Linformer's seq_len counting a cls token), and the value checks of its options;
//   - its factory.
// Registration is one line (builtin_attention_types in registry.cpp, or
// register_attention_type from anywhere, e.g. a test).
//
// AttentionOptions is the value of one type's options (type-erased); it converts from any
// registered options struct (AttentionOptions a = SoftmaxOptions{.heads = 3}) and back
// (a.get<SoftmaxOptions>()).
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "layers/option_fields.h"

namespace linattn {

class Attention;

struct Grid {
  std::int64_t H = 0, W = 0;
  bool defined() const { return H > 0 && W > 0; }
  std::int64_t tokens() const { return H * W; }
};

// Where a layer sits in a model: what the options may depend on. An undefined grid means "not
// known here" (the config validator of a dataset without a fixed image size).
struct AttentionSite {
  std::int64_t dim = 0;    // channels C
  std::int64_t heads = 0;  // the model's heads
  Grid grid;               // the token grid of the patches
  bool cls_token = false;  // one more token, without a grid cell
  std::int64_t tokens() const { return grid.tokens() + (cls_token ? 1 : 0); }
};

// A setting of the model a rule can cite in a message (the caller knows its key and source).
enum class SiteKey { Dim, Heads, ClsToken };

// Receives the value checks of a type's rules. `key` is an option key, or "type" for the type
// itself; the config validator turns it into model.attention.<key> with the file and line.
class OptionChecks {
 public:
  virtual ~OptionChecks() = default;
  virtual void require(bool ok, const std::string& key, const std::string& what) const = 0;
  // How the caller names a model setting in a message: "model.heads (3, from exp.yaml:4)".
  virtual std::string cite(SiteKey which) const = 0;

  template <class T>
  void positive(const std::string& key, T v) const {
    require(v > 0, key, str_cat("must be > 0; got ", v));
  }
  template <class T>
  void non_negative(const std::string& key, T v, const std::string& note = "") const {
    require(v >= 0, key, str_cat("must be >= 0", note, "; got ", v));
  }
  void probability(const std::string& key, double v) const {  // [0, 1)
    require(v >= 0 && v < 1, key, str_cat("must be in [0, 1); got ", v));
  }
};

// The key of the field that takes the model's heads, in every type that has one.
inline constexpr const char* kAttentionHeadsKey = "heads";

using AttentionFactory = std::function<std::shared_ptr<Attention>(const std::any& options, std::int64_t dim,
                                                                  Grid grid, Generator& gen)>;

// Everything the registry knows about one type. Built with AttentionTypeBuilder below.
struct AttentionType {
  std::string name;          // the registry key (model.attention.type)
  std::string summary;       // one line for help texts, with its docs/attention.md section
  std::any defaults;         // the options struct with its defaults
  std::vector<OptionField> fields;
  std::string heads_field;   // the field that takes the model's heads; "" when it has none
  bool needs_grid = false;   // every token must be a grid cell: no cls token
  bool supports_cross = false;
  std::function<void(std::any&, const AttentionSite&)> fit;  // beyond heads; may be empty
  std::function<void(const std::any&, const AttentionSite&, const OptionChecks&)> check;  // may be empty
  AttentionFactory make;

  const OptionField* field(const std::string& key) const;
  std::vector<std::string> keys() const;
};

// ---- the registry ----------------------------------------------------------------------------
// Adds (or replaces, by name) a type; later types list after the built-in ones.
void register_attention_type(AttentionType type);
// The registered names: the built-in ones in the order of docs/attention.md, then the others.
std::vector<std::string> attention_types();
// The type called `name`; an unknown name is an error that lists the valid ones.
const AttentionType& attention_type(const std::string& name);
bool is_attention_type(const std::string& name);

// ---- a type's options as a value -------------------------------------------------------------
class AttentionOptions {
 public:
  AttentionOptions();  // softmax with its defaults
  // From a registered type's options struct (T::type_name names the type).
  template <class T, class = decltype(T::type_name)>
  AttentionOptions(T options) : type_(&attention_type(T::type_name)), value_(std::move(options)) {
    check_holds(typeid(T));
  }
  // The defaults of `type`.
  static AttentionOptions defaults(const std::string& type);

  const std::string& type_name() const { return type_->name; }
  const AttentionType& type() const { return *type_; }

  template <class T>
  const T& get() const {
    check_holds(typeid(T));
    return *std::any_cast<T>(&value_);
  }
  template <class T>
  T& get() {
    check_holds(typeid(T));
    return *std::any_cast<T>(&value_);
  }
  template <class T>
  const T* get_if() const {
    return std::any_cast<T>(&value_);
  }
  const std::any& value() const { return value_; }

  // One option from text (an unknown key lists the type's keys; a bad value names key and type).
  void set(const std::string& key, const std::string& value);
  // Every option as key -> text, in the type's field order; reading them back gives equal options.
  std::vector<std::pair<std::string, std::string>> values() const;
  bool has_heads() const { return !type_->heads_field.empty(); }
  void set_heads(std::int64_t heads);  // no-op for a type without heads

  // The options a layer at `site` uses: heads from the site, the type's own fit (e.g.
  // Linformer's seq_len counting a cls token). A type that needs every token on the grid with a
  // cls token at the site is an error: "<who>: <type> attention <cls_conflict> — the cls token
  // has no grid position (docs/attention.md §3.3). ---> HINT: <hint>".
  AttentionOptions fitted(const AttentionSite& site, const std::string& who, const std::string& cls_conflict,
                          const std::string& hint) const;
  // The type's value checks against `site`.
  void check(const AttentionSite& site, const OptionChecks& checks) const;

  bool operator==(const AttentionOptions& other) const;

 private:
  void check_holds(const std::type_info& t) const;
  const AttentionType* type_;
  std::any value_;
};

// Options of `type` with its defaults, then each key=value applied (errors as set()).
AttentionOptions parse_attention_options(const std::string& type, const std::map<std::string, std::string>& values);
// The keys one type accepts, in its field order (for help texts and config validation).
std::vector<std::string> attention_option_keys(const std::string& type);
std::string attention_type_of(const AttentionOptions& options);

// ---- declaring a type -------------------------------------------------------------------------
// AttentionTypeBuilder<SoftmaxOptions>("softmax multi-head attention (§1)")
//     .heads(&SoftmaxOptions::heads, "heads h; C % h == 0")
//     .boolean("qkv_bias", &SoftmaxOptions::qkv_bias, "bias on the q, k, v projections")
//     ...
//     .factory([](const SoftmaxOptions& o, std::int64_t dim, Grid, Generator& g) { ... });
template <class O>
class AttentionTypeBuilder : public OptionFieldsBuilder<O, AttentionTypeBuilder<O>> {
 public:
  explicit AttentionTypeBuilder(std::string summary) : OptionFieldsBuilder<O, AttentionTypeBuilder<O>>("attention option") {
    t_.name = O::type_name;
    t_.summary = std::move(summary);
    t_.defaults = O{};
  }
  // The heads field: an integer field that takes the model's heads.
  AttentionTypeBuilder& heads(std::int64_t O::*m, std::string doc) {
    t_.heads_field = kAttentionHeadsKey;
    return this->integer(kAttentionHeadsKey, m, std::move(doc));
  }
  AttentionTypeBuilder& needs_grid() {
    t_.needs_grid = true;
    return *this;
  }
  AttentionTypeBuilder& cross_attention() {
    t_.supports_cross = true;
    return *this;
  }
  AttentionTypeBuilder& fit(std::function<void(O&, const AttentionSite&)> f) {
    t_.fit = [f](std::any& a, const AttentionSite& s) { f(*std::any_cast<O>(&a), s); };
    return *this;
  }
  AttentionTypeBuilder& check(std::function<void(const O&, const AttentionSite&, const OptionChecks&)> f) {
    t_.check = [f](const std::any& a, const AttentionSite& s, const OptionChecks& c) {
      f(*std::any_cast<O>(&a), s, c);
    };
    return *this;
  }
  template <class F>
  AttentionType factory(F f) {
    t_.make = [f](const std::any& a, std::int64_t dim, Grid grid, Generator& gen) -> std::shared_ptr<Attention> {
      return f(*std::any_cast<O>(&a), dim, grid, gen);
    };
    t_.fields = this->take_fields();
    return t_;
  }

 private:
  AttentionType t_;
};

}  // namespace linattn
