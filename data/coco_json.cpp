// data/coco_json.cpp — see coco_json.h. The text is parsed once, with nlohmann::json's SAX
// parser into a document that leaves out the `segmentation` and `keypoints` values (most of a
// real instances file; linattn never reads them); then each section is read into the plain
// structs with every field checked, and the cross-references (image_id, category_id) are
// resolved against hash maps of the ids.
#include "data/coco_json.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/error.h"

namespace linattn {

namespace {

using json = nlohmann::json;

// Where a value sits: `section`[`index`] (section null: the top level), then an optional field
// and element. Turned into text ("annotations[17].bbox[2]") only for a message.
struct Where {
  const char* section = nullptr;
  std::size_t index = 0;
  std::string str(const char* field = nullptr, int element = -1) const {
    std::string out = section ? str_cat(section, "[", index, "]") : "";
    if (field) {
      if (!out.empty()) out += '.';
      out += field;
    }
    if (element >= 0) out += str_cat("[", element, "]");
    return out;
  }
};

// Reads one instances document; every message starts with the source and the field path.
class InstancesReader {
 public:
  explicit InstancesReader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail_at(const std::string& path, const std::string& what) const {
    fail(path.empty() ? str_cat(source_, ": ", what) : str_cat(source_, ": ", path, ": ", what));
  }

  const json& member(const json& object, const char* key, Where where) const {
    auto it = object.find(key);
    if (it == object.end()) fail_at(where.str(key), "missing (a required field)");
    return *it;
  }

  const json& array_member(const json& object, const char* key) const {
    const json& value = member(object, key, Where{});
    if (!value.is_array()) fail_at(key, str_cat("expected an array, got ", value.type_name()));
    return value;
  }

  // An integer; an integral float (640.0, written by some converters) is accepted too.
  std::int64_t integer(const json& object, const char* key, Where where) const {
    const json& value = member(object, key, where);
    if (value.is_number_unsigned()) {
      auto u = value.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail_at(where.str(key), str_cat("integer ", u, " is out of range"));
      return static_cast<std::int64_t>(u);
    }
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_number_float()) {
      double d = value.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
      fail_at(where.str(key), str_cat("expected an integer, got ", value.dump()));
    }
    fail_at(where.str(key), str_cat("expected an integer, got ", value.type_name()));
  }

  double number(const json& value, Where where, const char* key, int element = -1) const {
    if (!value.is_number()) fail_at(where.str(key, element), str_cat("expected a number, got ", value.type_name()));
    double d = value.get<double>();
    if (!std::isfinite(d)) fail_at(where.str(key, element), str_cat("number ", value.dump(), " is not finite"));
    return d;
  }

  std::string string(const json& object, const char* key, Where where) const {
    const json& value = member(object, key, where);
    if (!value.is_string()) fail_at(where.str(key), str_cat("expected a string, got ", value.type_name()));
    return value.get<std::string>();
  }

  const json& object_at(const json& array, Where where) const {
    const json& value = array[where.index];
    if (!value.is_object()) fail_at(where.str(), str_cat("expected an object, got ", value.type_name()));
    return value;
  }

  CocoImage read_image(const json& object, Where where) const {
    CocoImage image;
    image.id = integer(object, "id", where);
    image.file_name = string(object, "file_name", where);
    image.width = integer(object, "width", where);
    image.height = integer(object, "height", where);
    if (image.file_name.empty()) fail_at(where.str("file_name"), "is empty");
    if (image.width <= 0 || image.height <= 0)
      fail_at(where.str(), str_cat("image id ", image.id, " has size ", image.width, "x", image.height,
                                   " (width and height must be positive)"));
    return image;
  }

  CocoCategory read_category(const json& object, Where where) const {
    CocoCategory category;
    category.id = integer(object, "id", where);
    category.name = string(object, "name", where);
    if (object.contains("supercategory")) category.supercategory = string(object, "supercategory", where);
    return category;
  }

  CocoAnnotation read_annotation(const json& object, Where where) const {
    CocoAnnotation ann;
    ann.id = integer(object, "id", where);
    ann.image_id = integer(object, "image_id", where);
    ann.category_id = integer(object, "category_id", where);
    const json& bbox = member(object, "bbox", where);
    if (!bbox.is_array() || bbox.size() != 4)
      fail_at(where.str("bbox"), str_cat("expected 4 numbers [x, y, w, h], got ",
                                         bbox.is_array() ? str_cat("an array of ", bbox.size()) : bbox.type_name()));
    for (int k = 0; k < 4; ++k)
      ann.bbox[static_cast<std::size_t>(k)] = number(bbox[static_cast<std::size_t>(k)], where, "bbox", k);
    if (ann.bbox[2] < 0 || ann.bbox[3] < 0)
      fail_at(where.str("bbox"),
              str_cat("annotation id ", ann.id, " has a negative size: w ", ann.bbox[2], ", h ", ann.bbox[3]));
    ann.area = number(member(object, "area", where), where, "area");
    if (ann.area < 0) fail_at(where.str("area"), str_cat("annotation id ", ann.id, " has negative area ", ann.area));
    // pycocotools reads a missing iscrowd as 0; when present it must be 0/1 (or a boolean).
    if (auto it = object.find("iscrowd"); it != object.end()) {
      if (it->is_boolean()) {
        ann.iscrowd = it->get<bool>();
      } else {
        std::int64_t crowd = integer(object, "iscrowd", where);
        if (crowd != 0 && crowd != 1) fail_at(where.str("iscrowd"), str_cat("expected 0 or 1, got ", crowd));
        ann.iscrowd = crowd == 1;
      }
    }
    return ann;
  }

  CocoInstances read(const json& document) const {
    if (!document.is_object())
      fail_at("", str_cat("expected an object with images, annotations and categories, got ", document.type_name(),
                          document.is_array() ? " (a list: is this a detections/results file?)" : ""));
    CocoInstances out;
    out.source = source_;

    const json& images = array_member(document, "images");
    out.images.reserve(images.size());
    std::unordered_map<std::int64_t, std::size_t> image_index;
    image_index.reserve(images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Where where{"images", i};
      CocoImage image = read_image(object_at(images, where), where);
      auto [it, inserted] = image_index.emplace(image.id, i);
      if (!inserted) fail_at(where.str(), str_cat("duplicate image id ", image.id, " (also images[", it->second, "])"));
      out.images.push_back(std::move(image));
    }

    const json& categories = array_member(document, "categories");
    std::unordered_map<std::int64_t, std::size_t> category_index;
    for (std::size_t i = 0; i < categories.size(); ++i) {
      const Where where{"categories", i};
      CocoCategory category = read_category(object_at(categories, where), where);
      auto [it, inserted] = category_index.emplace(category.id, i);
      if (!inserted)
        fail_at(where.str(), str_cat("duplicate category id ", category.id, " (also categories[", it->second, "])"));
      out.categories.push_back(std::move(category));
    }

    const json& annotations = array_member(document, "annotations");
    out.annotations.reserve(annotations.size());
    std::unordered_map<std::int64_t, std::size_t> annotation_index;
    annotation_index.reserve(annotations.size());
    for (std::size_t i = 0; i < annotations.size(); ++i) {
      const Where where{"annotations", i};
      CocoAnnotation ann = read_annotation(object_at(annotations, where), where);
      if (!image_index.count(ann.image_id))
        fail_at(where.str(), str_cat("annotation id ", ann.id, " refers to image_id ", ann.image_id,
                                     ", which is not among the ", out.images.size(), " images"));
      if (!category_index.count(ann.category_id))
        fail_at(where.str(), str_cat("annotation id ", ann.id, " refers to category_id ", ann.category_id,
                                     ", which is not among the ", out.categories.size(), " categories"));
      auto [it, inserted] = annotation_index.emplace(ann.id, i);
      if (!inserted)
        fail_at(where.str(), str_cat("duplicate annotation id ", ann.id, " (also annotations[", it->second, "])"));
      out.annotations.push_back(ann);
    }
    return out;
  }

 private:
  const std::string& source_;
};

// 1-based line and column of a byte offset, for parse errors.
std::string line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return str_cat("line ", line, ", column ", offset - line_start + 1);
}

// Builds the document from nlohmann's SAX events, as json::parse would, except that the value of
// every "segmentation" or "keypoints" key is skipped without being built: in a real instances
// file those polygons and RLE counts are most of the bytes, so skipping them makes the document
// several times smaller (instances_train2017.json is 448 MB) and the read faster. Syntax errors
// become linattn::Errors naming the source and the position.
class DocumentBuilder : public nlohmann::json_sax<json> {
 public:
  DocumentBuilder(json& root, std::string_view text, const std::string& source)
      : root_(root), text_(text), source_(source) {}

  bool null() override { return scalar(nullptr); }
  bool boolean(bool value) override { return scalar(value); }
  bool number_integer(number_integer_t value) override { return scalar(value); }
  bool number_unsigned(number_unsigned_t value) override { return scalar(value); }
  bool number_float(number_float_t value, const string_t&) override { return scalar(value); }
  bool string(string_t& value) override { return scalar(std::move(value)); }
  bool binary(binary_t& value) override { return scalar(json::binary(std::move(value))); }

  bool start_object(std::size_t) override { return open(json::value_t::object); }
  bool start_array(std::size_t) override { return open(json::value_t::array); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    if (skipped_depth_ > 0) return true;
    if (name == "segmentation" || name == "keypoints") {
      skip_next_value_ = true;
      return true;
    }
    member_ = &(*open_.back())[name];
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    std::size_t offset = position > 0 ? position - 1 : 0;
    fail(str_cat(source_, ": malformed JSON at byte ", offset, " (", line_and_column(text_, offset), "): ", e.what()));
  }

 private:
  // Places a new value where the parser is: the root, the next element of the innermost open
  // array, or the member of the innermost open object whose key came last.
  template <class Value>
  json* place(Value&& value) {
    if (open_.empty()) {
      root_ = json(std::forward<Value>(value));
      return &root_;
    }
    if (open_.back()->is_array()) {
      open_.back()->emplace_back(std::forward<Value>(value));
      return &open_.back()->back();
    }
    *member_ = json(std::forward<Value>(value));
    return member_;
  }
  template <class Value>
  bool scalar(Value&& value) {
    if (skipped_depth_ > 0) return true;
    if (skip_next_value_) {
      skip_next_value_ = false;
      return true;
    }
    place(std::forward<Value>(value));
    return true;
  }
  bool open(json::value_t type) {
    if (skipped_depth_ > 0 || skip_next_value_) {
      skip_next_value_ = false;
      ++skipped_depth_;
      return true;
    }
    open_.push_back(place(type));
    return true;
  }
  bool close() {
    if (skipped_depth_ > 0)
      --skipped_depth_;
    else
      open_.pop_back();
    return true;
  }

  json& root_;
  std::string_view text_;
  const std::string& source_;
  std::vector<json*> open_;       // the open objects and arrays, outermost first
  json* member_ = nullptr;        // where the innermost open object's next value goes
  bool skip_next_value_ = false;  // a skipped key came: its value is not built
  int skipped_depth_ = 0;         // > 0 inside a skipped object or array
};

}  // namespace

CocoInstances parse_coco_instances(std::string_view json_text, const std::string& source) {
  json document;
  DocumentBuilder builder(document, json_text, source);
  json::sax_parse(json_text.begin(), json_text.end(), &builder);
  return InstancesReader(source).read(document);
}

CocoInstances read_coco_instances(const std::string& path) {
  std::error_code ec;
  LINATTN_CHECK(std::filesystem::is_regular_file(path, ec), "COCO instances file '", path, "' not found",
                std::filesystem::exists(path, ec) ? " (it is not a regular file)" : "");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  LINATTN_CHECK(in, "cannot open COCO instances file '", path, "': ", std::strerror(errno));
  std::string text(static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
  in.seekg(0);
  LINATTN_CHECK(in.read(text.data(), static_cast<std::streamsize>(text.size())), "cannot read COCO instances file '",
                path, "'");
  return parse_coco_instances(text, path);
}

}  // namespace linattn
