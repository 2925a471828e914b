// tests/layers/test_attention_registry.cpp — the attention registry of
// layers/attention/attention_type.h: the built-in types in the order of docs/attention.md with
// their declared rules (heads, grid, cross-attention), options as values (defaults, text round
// trip, typed access, errors naming key and type), the type's checks through OptionChecks, the
// fit to a model's tokens, and registration (a new name appends, the same name replaces).
#include <doctest/doctest.h>

#include "layers/attention/attention.h"
#include "layers/attention/options.h"

using namespace linattn;

namespace {

// Records every violated rule as "key: what".
class Collect : public OptionChecks {
 public:
  void require(bool ok, const std::string& key, const std::string& what) const override {
    if (!ok) failures.push_back(key + ": " + what);
  }
  std::string cite(SiteKey which) const override {
    return which == SiteKey::Heads ? "the heads" : which == SiteKey::Dim ? "the dim" : "the cls token";
  }
  mutable std::vector<std::string> failures;
};

struct RegistryTestOptions {
  static constexpr const char* type_name = "registry_test";
  std::int64_t width = 1;
};

AttentionType registry_test_type(std::int64_t default_width) {
  AttentionTypeBuilder<RegistryTestOptions> b("a type of this test");
  b.integer("width", &RegistryTestOptions::width, "a number");
  AttentionType t = b.factory([](const RegistryTestOptions&, std::int64_t, Grid, Generator&) {
    return std::shared_ptr<Attention>();  // never built here
  });
  t.defaults = RegistryTestOptions{.width = default_width};
  return t;
}

}  // namespace

TEST_CASE("registry: the built-in types and their declared rules") {
  const auto types = attention_types();
  REQUIRE(types.size() >= 6);
  CHECK(std::vector<std::string>(types.begin(), types.begin() + 6) ==
        std::vector<std::string>{"softmax", "cos2d", "external", "linformer", "additive", "efficient"});
  for (const std::string name : {"softmax", "cos2d", "external", "linformer", "additive", "efficient"}) {
    CAPTURE(name);
    const AttentionType& t = attention_type(name);
    CHECK(t.name == name);
    CHECK_FALSE(t.summary.empty());
    CHECK(t.heads_field == (name == "additive" ? "" : "heads"));
    CHECK(t.needs_grid == (name == "cos2d"));
    CHECK(t.supports_cross == (name == "softmax" || name == "linformer" || name == "efficient"));
    for (const auto& f : t.fields) {
      CHECK_FALSE(f.doc.empty());
      CHECK((f.kind == OptionKind::Choice) != f.choices.empty());
    }
    // Defaults as text read back to equal options.
    AttentionOptions d = AttentionOptions::defaults(name);
    std::map<std::string, std::string> text;
    for (const auto& [k, v] : d.values()) text[k] = v;
    CHECK(parse_attention_options(name, text) == d);
    CHECK(attention_option_keys(name) == t.keys());
  }
  CHECK_THROWS_WITH_AS(attention_type("nope"), doctest::Contains("unknown attention type 'nope' (valid: softmax, cos2d"),
                       Error);
  CHECK_FALSE(is_attention_type("nope"));
}

TEST_CASE("registry: options as values — typed access, set from text, equality, errors") {
  AttentionOptions o = LinformerOptions{.proj_k = 16};
  CHECK(o.type_name() == "linformer");
  CHECK(o.get<LinformerOptions>().proj_k == 16);
  CHECK(o.get_if<SoftmaxOptions>() == nullptr);
  CHECK_THROWS_WITH_AS(o.get<SoftmaxOptions>(), doctest::Contains("attention options of type 'linformer'"), Error);
  o.set("sharing", "kv");
  o.set("emulate_public_layout_bug", "yes");
  CHECK(o.get<LinformerOptions>().sharing == "kv");
  CHECK(o.get<LinformerOptions>().emulate_public_layout_bug);
  o.set_heads(4);
  CHECK(o.get<LinformerOptions>().heads == 4);
  CHECK_FALSE(o == AttentionOptions(LinformerOptions{.proj_k = 16}));
  CHECK(AttentionOptions() == AttentionOptions(SoftmaxOptions{}));

  AttentionOptions additive = AdditiveOptions{};
  CHECK_FALSE(additive.has_heads());
  additive.set_heads(4);  // no heads: nothing changes
  CHECK(additive == AttentionOptions(AdditiveOptions{}));

  CHECK_THROWS_WITH_AS(o.set("projk", "3"),
                       doctest::Contains("unknown option 'projk' for attention type 'linformer' (valid: heads, seq_len"),
                       Error);
  CHECK_THROWS_WITH_AS(o.set("proj_k", "3.5"), doctest::Contains("attention option 'proj_k' expects an integer, got '3.5'"),
                       Error);
  CHECK_THROWS_WITH_AS(o.set("dropout", "x"), doctest::Contains("attention option 'dropout' expects a number, got 'x'"),
                       Error);
  CHECK_THROWS_WITH_AS(o.set("sharing", "all"), doctest::Contains("'sharing' must be one of none, kv; got 'all'"), Error);
  CHECK_THROWS_WITH_AS(o.set("emulate_public_layout_bug", "maybe"), doctest::Contains("expects true or false"), Error);
  CHECK(option_real_text(1.0) == "1.0");
  CHECK(option_real_text(1e-5) == "1.0e-05");
  CHECK(option_real_text(0.125) == "0.125");
}

TEST_CASE("registry: a type's checks and its fit to the model's tokens") {
  const AttentionSite site{.dim = 12, .heads = 3, .grid = {4, 4}, .cls_token = true};
  Collect c;
  AttentionOptions(LinformerOptions{.seq_len = 10}).check(site, c);
  REQUIRE(c.failures.size() == 1);
  CHECK(c.failures[0] == "seq_len: must be at least the 17 tokens of the model; got 10");
  c.failures.clear();
  AttentionOptions(LinformerOptions{}).check(site, c);
  REQUIRE(c.failures.size() == 1);
  CHECK(c.failures[0] == "seq_len: 0 means the grid's H x W = 16, but the cls token adds a token: set seq_len: 17");
  c.failures.clear();
  AttentionOptions(EfficientOptions{.key_channels = 10}).check(site, c);
  CHECK(c.failures == std::vector<std::string>{"key_channels: 10 channels must split evenly over the heads"});
  c.failures.clear();
  AttentionOptions(Cos2dOptions{.M = 3, .eps = 0}).check(site, c);
  CHECK(c.failures == std::vector<std::string>{
                          "M: must exceed max(H, W) - 1 = 3 for the 4x4 token grid (or be 0 for max(H, W) + 2); got 3",
                          "eps: must be > 0; got 0"});
  c.failures.clear();
  AttentionOptions(SoftmaxOptions{}).check(AttentionSite{}, c);  // nothing known about the model: no complaint
  CHECK(c.failures.empty());

  AttentionOptions fitted = AttentionOptions(LinformerOptions{}).fitted(site, "M", "x", "y");
  CHECK(fitted.get<LinformerOptions>().heads == 3);
  CHECK(fitted.get<LinformerOptions>().seq_len == 17);
}

TEST_CASE("registry: a new name appends, registering it again replaces it in place") {
  register_attention_type(registry_test_type(2));
  auto types = attention_types();
  const auto at = std::find(types.begin(), types.end(), "registry_test");
  REQUIRE(at != types.end());
  CHECK(AttentionOptions::defaults("registry_test").get<RegistryTestOptions>().width == 2);
  register_attention_type(registry_test_type(5));
  auto again = attention_types();
  CHECK(again.size() == types.size());
  CHECK(std::find(again.begin(), again.end(), "registry_test") - again.begin() == at - types.begin());
  CHECK(AttentionOptions::defaults("registry_test").get<RegistryTestOptions>().width == 5);
  CHECK(parse_attention_options("registry_test", {{"width", "7"}}).values() ==
        std::vector<std::pair<std::string, std::string>>{{"width", "7"}});
  AttentionType nameless = registry_test_type(1);
  nameless.name.clear();
  CHECK_THROWS_WITH_AS(register_attention_type(nameless), doctest::Contains("needs a name"), Error);
}
