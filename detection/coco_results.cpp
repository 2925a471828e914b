// detection/coco_results.cpp — COCO results files (the format the evaluation server and
// pycocotools' loadRes take): a JSON list of {"image_id", "category_id", "bbox": [x, y, w, h],
// "score"}. Reading checks every entry and names the file, the entry and the field on error.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "detection/coco_eval.h"

namespace linattn::detection {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail_at(const std::string& source, std::size_t n, const std::string& field, const std::string& what) {
  fail(str_cat(source, ": [", n, "]", field.empty() ? "" : ".", field, ": ", what));
}

const json& member(const json& entry, const char* key, const std::string& source, std::size_t n) {
  auto it = entry.find(key);
  if (it == entry.end()) fail_at(source, n, "", str_cat("missing field '", key, "'"));
  return *it;
}

// An id: an integer, or a float with an integral value (as some writers produce).
std::int64_t id_field(const json& entry, const char* key, const std::string& source, std::size_t n) {
  const json& v = member(entry, key, source, n);
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail_at(source, n, key, str_cat("integer ", u, " is out of range"));
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  }
  fail_at(source, n, key, str_cat("expected an integer id, got ", v.is_number() ? v.dump() : v.type_name()));
}

double number_field(const json& v, const std::string& source, std::size_t n, const std::string& field) {
  if (!v.is_number()) fail_at(source, n, field, str_cat("expected a number, got ", v.type_name()));
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail_at(source, n, field, str_cat("expected a finite number, got ", v.dump()));
  return d;
}

}  // namespace

std::vector<CocoDetection> parse_coco_results(std::string_view json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    fail(str_cat(source, ": malformed JSON at byte ", e.byte > 0 ? e.byte - 1 : 0, ": ", e.what()));
  }
  LINATTN_CHECK(doc.is_array(), source,
                ": expected a JSON list of detections {image_id, category_id, bbox, score}, got ",
                doc.is_object() ? "an object (an annotations file? results are a plain list)" : doc.type_name());
  std::vector<CocoDetection> detections;
  detections.reserve(doc.size());
  for (std::size_t n = 0; n < doc.size(); ++n) {
    const json& entry = doc[n];
    if (!entry.is_object()) fail_at(source, n, "", str_cat("expected an object, got ", entry.type_name()));
    CocoDetection det;
    det.image_id = id_field(entry, "image_id", source, n);
    det.category_id = id_field(entry, "category_id", source, n);
    const json& bbox = member(entry, "bbox", source, n);
    if (!bbox.is_array() || bbox.size() != 4)
      fail_at(source, n, "bbox", str_cat("expected 4 numbers [x, y, w, h], got ", bbox.dump()));
    for (std::size_t c = 0; c < 4; ++c) det.bbox[c] = number_field(bbox[c], source, n, str_cat("bbox[", c, "]"));
    det.score = number_field(member(entry, "score", source, n), source, n, "score");
    detections.push_back(det);
  }
  return detections;
}

std::vector<CocoDetection> read_coco_results(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  LINATTN_CHECK(in, "cannot open results file '", path, "'");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LINATTN_CHECK(!in.bad(), "cannot read results file '", path, "'");
  return parse_coco_results(text, path);
}

void write_coco_results(const std::string& path, const std::vector<CocoDetection>& detections) {
  using ordered = nlohmann::ordered_json;  // the official key order
  ordered list = ordered::array();
  for (std::size_t n = 0; n < detections.size(); ++n) {
    const CocoDetection& det = detections[n];
    bool finite = std::isfinite(det.score);
    for (double v : det.bbox) finite = finite && std::isfinite(v);
    LINATTN_CHECK(finite, "write_coco_results: detection ", n, " (image ", det.image_id,
                  ") has a non-finite bbox or score");
    ordered entry = ordered::object();
    entry["image_id"] = det.image_id;
    entry["category_id"] = det.category_id;
    entry["bbox"] = {det.bbox[0], det.bbox[1], det.bbox[2], det.bbox[3]};
    entry["score"] = det.score;
    list.push_back(std::move(entry));
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    LINATTN_CHECK(out, "cannot write results file '", path, "'");
    out << list.dump() << '\n';
    out.close();
    LINATTN_CHECK(out, "cannot write results file '", path, "' (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  LINATTN_CHECK(!ec, "cannot move '", tmp, "' to '", path, "': ", ec.message());
}

}  // namespace linattn::detection
