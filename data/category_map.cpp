// data/category_map.cpp — see category_map.h.
#include "data/category_map.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_set>

#include "core/error.h"

namespace linattn {

namespace {

using json = nlohmann::json;

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

CategoryMap::CategoryMap(std::vector<CocoCategory> categories, const std::string& source)
    : categories_(std::move(categories)) {
  std::stable_sort(categories_.begin(), categories_.end(),
                   [](const CocoCategory& a, const CocoCategory& b) { return a.id < b.id; });
  std::unordered_set<std::string> seen_names;
  for (std::size_t i = 0; i < categories_.size(); ++i) {
    const CocoCategory& c = categories_[i];
    LINATTN_CHECK(index_of_id_.emplace(c.id, static_cast<std::int64_t>(i)).second, source, ": duplicate category id ",
                  c.id);
    LINATTN_CHECK(seen_names.insert(c.name).second, source, ": duplicate category name '", c.name, "'");
    names_.push_back(c.name);
  }
}

CategoryMap CategoryMap::from_instances(const CocoInstances& instances, const std::vector<std::string>& names) {
  CategoryMap all(instances.categories, instances.source);
  if (names.empty()) return all;
  std::vector<CocoCategory> chosen;
  std::unordered_set<std::string> requested;
  for (const auto& n : names) {
    LINATTN_CHECK(requested.insert(n).second, instances.source, ": category '", n,
                  "' is named twice in the category filter");
    const auto& valid = all.names();
    LINATTN_CHECK(std::find(valid.begin(), valid.end(), n) != valid.end(), instances.source,
                  ": category filter: unknown category '", n, "'; valid names: ", all.names_list());
    chosen.push_back(all.category(all.index_of_name(n)));
  }
  return CategoryMap(std::move(chosen), instances.source);
}

std::int64_t CategoryMap::index_of(std::int64_t coco_id) const {
  auto it = index_of_id_.find(coco_id);
  LINATTN_CHECK(it != index_of_id_.end(), "category id ", coco_id, " is not one of the ", size(), " categories (",
                names_list(), ")");
  return it->second;
}

std::int64_t CategoryMap::index_of_name(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<std::int64_t>(i);
  fail(str_cat("unknown category name '", name, "'; valid names: ", names_list()));
}

const CocoCategory& CategoryMap::category(std::int64_t index) const {
  LINATTN_CHECK(index >= 0 && index < size(), "class index ", index, " is outside [0, ", size(), ")");
  return categories_[static_cast<std::size_t>(index)];
}

std::int64_t CategoryMap::coco_id(std::int64_t index) const { return category(index).id; }
const std::string& CategoryMap::name(std::int64_t index) const { return category(index).name; }
std::string CategoryMap::names_list() const { return join_names(names_); }

bool CategoryMap::operator==(const CategoryMap& other) const {
  if (categories_.size() != other.categories_.size()) return false;
  for (std::size_t i = 0; i < categories_.size(); ++i) {
    const CocoCategory &a = categories_[i], &b = other.categories_[i];
    if (a.id != b.id || a.name != b.name || a.supercategory != b.supercategory) return false;
  }
  return true;
}

std::string CategoryMap::to_json() const {
  json list = json::array();
  for (std::size_t i = 0; i < categories_.size(); ++i) {
    const CocoCategory& c = categories_[i];
    list.push_back({{"index", i}, {"id", c.id}, {"name", c.name}, {"supercategory", c.supercategory}});
  }
  // One category per line: readable and diffable in a run folder.
  std::string out = "{\"categories\": [";
  for (std::size_t i = 0; i < list.size(); ++i)
    out += (i ? ",\n  " : "\n  ") + list[i].dump(-1, ' ', false, json::error_handler_t::replace);
  out += list.empty() ? "]}\n" : "\n]}\n";
  return out;
}

CategoryMap CategoryMap::from_json(std::string_view text, const std::string& source) {
  json document;
  try {
    document = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    fail(str_cat(source, ": malformed JSON: ", e.what()));
  }
  LINATTN_CHECK(document.is_object() && document.contains("categories") && document["categories"].is_array(), source,
                ": expected an object {\"categories\": [...]}");
  const json& list = document["categories"];
  std::vector<CocoCategory> categories;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& item = list[i];
    std::string path = str_cat(source, ": categories[", i, "]");
    LINATTN_CHECK(item.is_object(), path, ": expected an object, got ", item.type_name());
    auto field = [&](const char* key) -> const json& {
      LINATTN_CHECK(item.contains(key), path, ".", key, ": missing (a required field)");
      return item[key];
    };
    const json &index = field("index"), &id = field("id"), &name = field("name");
    LINATTN_CHECK(index.is_number_integer() && index.get<std::int64_t>() == static_cast<std::int64_t>(i), path,
                  ".index: expected ", i, " (the position in the list), got ", index.dump());
    LINATTN_CHECK(id.is_number_integer(), path, ".id: expected an integer, got ", id.dump());
    LINATTN_CHECK(name.is_string(), path, ".name: expected a string, got ", name.dump());
    CocoCategory c;
    c.id = id.get<std::int64_t>();
    c.name = name.get<std::string>();
    if (item.contains("supercategory")) {
      LINATTN_CHECK(item["supercategory"].is_string(), path, ".supercategory: expected a string");
      c.supercategory = item["supercategory"].get<std::string>();
    }
    if (!categories.empty())
      LINATTN_CHECK(c.id > categories.back().id, path, ".id: ids must increase along the list, but ", c.id, " follows ",
                    categories.back().id);
    categories.push_back(std::move(c));
  }
  return CategoryMap(std::move(categories), source);
}

void write_categories_json(const std::string& path, const CategoryMap& map) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    LINATTN_CHECK(out, "cannot write '", tmp, "'");
    const std::string text = map.to_json();
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    LINATTN_CHECK(out, "cannot write '", tmp, "' (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  LINATTN_CHECK(!ec, "cannot rename '", tmp, "' to '", path, "': ", ec.message());
}

CategoryMap read_categories_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  LINATTN_CHECK(in, "cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  LINATTN_CHECK(in, "cannot read '", path, "'");
  return CategoryMap::from_json(text.str(), path);
}

}  // namespace linattn
