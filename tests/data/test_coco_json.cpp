// tests/data/test_coco_json.cpp — the COCO instances reader (data/coco_json.h) on hand-written
// documents: every field read with its value, unused fields ignored, and one case per error
// path, each asserting that the message names the file and the field path or the id at fault.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "core/error.h"
#include "data/coco_json.h"
#include "fixtures.h"

using namespace linattn;
using linattn::testing::TempDir;

namespace {

// A valid document with the given sections (each the text of a JSON array).
std::string document(const std::string& images, const std::string& annotations, const std::string& categories) {
  return R"({"info": {"year": 2017}, "licenses": [], "images": )" + images + R"(, "annotations": )" + annotations +
         R"(, "categories": )" + categories + "}";
}

const std::string kImages =
    R"([{"id": 7, "file_name": "000000000007.jpg", "width": 640, "height": 480, "license": 3, "coco_url": "x"},
        {"id": 3, "file_name": "b.jpg", "width": 20.0, "height": 10}])";
const std::string kCategories =
    R"([{"id": 1, "name": "person", "supercategory": "person"}, {"id": 18, "name": "dog"}])";
const std::string kAnnotations =
    R"([{"id": 11, "image_id": 7, "category_id": 18, "bbox": [1.5, 2, 30.25, 40], "area": 900.5, "iscrowd": 0,
         "segmentation": [[1, 2, 3, 4, 5, 6]], "keypoints": [1, 2, 2]},
        {"id": 12, "image_id": 3, "category_id": 1, "bbox": [0, 0, 20, 10], "area": 150, "iscrowd": 1,
         "segmentation": {"counts": [1, 2], "size": [10, 20]}},
        {"id": 13, "image_id": 7, "category_id": 1, "bbox": [5, 6, 0, 0], "area": 0}])";

// The error message parse_coco_instances gives for `text` (fails the test if it does not throw).
std::string error_of(const std::string& text, const std::string& source = "t.json") {
  try {
    parse_coco_instances(text, source);
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no error for: " << text);
  return "";
}

std::string with_annotation(const std::string& annotation) {
  return document(kImages, "[" + annotation + "]", kCategories);
}

}  // namespace

TEST_CASE("COCO instances: every field read, unused fields ignored") {
  CocoInstances in = parse_coco_instances(document(kImages, kAnnotations, kCategories), "mem.json");
  CHECK(in.source == "mem.json");
  REQUIRE(in.images.size() == 2);
  CHECK(in.images[0].id == 7);
  CHECK(in.images[0].file_name == "000000000007.jpg");
  CHECK(in.images[0].width == 640);
  CHECK(in.images[0].height == 480);
  CHECK(in.images[1].id == 3);
  CHECK(in.images[1].width == 20);  // written 20.0: an integral float is accepted
  REQUIRE(in.categories.size() == 2);
  CHECK(in.categories[0].id == 1);
  CHECK(in.categories[0].name == "person");
  CHECK(in.categories[0].supercategory == "person");
  CHECK(in.categories[1].id == 18);
  CHECK(in.categories[1].supercategory == "");  // optional
  REQUIRE(in.annotations.size() == 3);
  const CocoAnnotation& a = in.annotations[0];
  CHECK(a.id == 11);
  CHECK(a.image_id == 7);
  CHECK(a.category_id == 18);
  CHECK(a.bbox[0] == 1.5);
  CHECK(a.bbox[1] == 2.0);
  CHECK(a.bbox[2] == 30.25);
  CHECK(a.bbox[3] == 40.0);
  CHECK(a.area == 900.5);  // the file's area, not w*h = 1210
  CHECK_FALSE(a.iscrowd);
  CHECK(in.annotations[1].iscrowd);
  CHECK_FALSE(in.annotations[2].iscrowd);   // absent: 0, as pycocotools reads it
  CHECK(in.annotations[2].bbox[2] == 0.0);  // zero size is legal here (the dataset drops it)
}

TEST_CASE("COCO instances: segmentation and keypoints values of any shape are skipped, wherever they are") {
  // The reader does not build these values (data/coco_json.cpp); what comes after them must
  // still land in the right place.
  CocoInstances in = parse_coco_instances(
      document(R"([{"segmentation": {"a": [1, {"b": [[]]}]}, "id": 3, "file_name": "b.jpg", "width": 2, "height": 2}])",
               R"([{"segmentation": [[1, 2], [3, [4, {"x": null}]]], "keypoints": "text", "id": 1, "image_id": 3,
                    "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "extra": {"segmentation": 5, "k": [true]}},
                   {"keypoints": [], "id": 2, "segmentation": {}, "image_id": 3, "category_id": 1,
                    "bbox": [1, 1, 1, 1], "area": 1}])",
               R"([{"id": 1, "name": "segmentation", "keypoints": 7}])"),
      "s.json");
  REQUIRE(in.images.size() == 1);
  CHECK(in.images[0].id == 3);
  CHECK(in.images[0].file_name == "b.jpg");
  REQUIRE(in.annotations.size() == 2);
  CHECK(in.annotations[0].id == 1);
  CHECK(in.annotations[1].id == 2);
  CHECK(in.annotations[1].bbox[0] == 1.0);
  CHECK(in.categories[0].name == "segmentation");
  // A skipped value is still parsed: a syntax error inside it is reported.
  CHECK(error_of(document("[]", R"([{"segmentation": [1, 2,]}])", "[]")).find("t.json: malformed JSON") == 0);
}

TEST_CASE("COCO instances: empty sections and a boolean iscrowd are fine") {
  CocoInstances in = parse_coco_instances(document("[]", "[]", "[]"), "e.json");
  CHECK(in.images.empty());
  CHECK(in.annotations.empty());
  CHECK(in.categories.empty());
  in = parse_coco_instances(
      with_annotation(
          R"({"id": 1, "image_id": 3, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": true})"),
      "b.json");
  CHECK(in.annotations[0].iscrowd);
}

TEST_CASE("COCO instances: malformed JSON names the file and the position") {
  std::string e = error_of(R"({"images": [)");
  CHECK(e.find("t.json: malformed JSON at byte") != std::string::npos);
  CHECK(e.find("line 1") != std::string::npos);
  e = error_of("{\n  \"images\": [],\n  \"annotations\": [,]\n}");
  CHECK(e.find("t.json: malformed JSON") != std::string::npos);
  CHECK(e.find("line 3, column 19") != std::string::npos);  // the ',' where a value should be
  CHECK(error_of("").find("t.json: malformed JSON at byte 0") != std::string::npos);
  CHECK(error_of("{\"images\": [\"\xff\"]}").find("t.json: malformed JSON") != std::string::npos);  // bad UTF-8
}

TEST_CASE("COCO instances: a wrong top level or a missing section names the file") {
  CHECK(error_of(R"([{"image_id": 1, "category_id": 1, "bbox": [0,0,1,1], "score": 0.5}])")
            .find("t.json: expected an object with images, annotations and categories, got array (a list: is this a "
                  "detections/results file?)") != std::string::npos);
  CHECK(error_of(R"({"annotations": [], "categories": []})") == "t.json: images: missing (a required field)");
  CHECK(error_of(R"({"images": [], "annotations": []})") == "t.json: categories: missing (a required field)");
  CHECK(error_of(R"({"images": [], "categories": []})") == "t.json: annotations: missing (a required field)");
  CHECK(error_of(R"({"images": {}, "annotations": [], "categories": []})") ==
        "t.json: images: expected an array, got object");
}

TEST_CASE("COCO instances: a missing or mistyped image field names its path") {
  CHECK(error_of(document(R"([{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}, {"id": 2, "file_name": "b"}])",
                          "[]", "[]")) == "t.json: images[1].width: missing (a required field)");
  CHECK(error_of(document(R"([{"id": 1, "file_name": 5, "width": 4, "height": 4}])", "[]", "[]")) ==
        "t.json: images[0].file_name: expected a string, got number");
  CHECK(error_of(document(R"([{"id": "1", "file_name": "a", "width": 4, "height": 4}])", "[]", "[]")) ==
        "t.json: images[0].id: expected an integer, got string");
  CHECK(error_of(document(R"([{"id": 1.5, "file_name": "a", "width": 4, "height": 4}])", "[]", "[]")) ==
        "t.json: images[0].id: expected an integer, got 1.5");
  CHECK(error_of(document(R"([{"id": 100000000000000000000, "file_name": "a", "width": 4, "height": 4}])", "[]", "[]"))
            .find("t.json: images[0].id: expected an integer") != std::string::npos);
  CHECK(error_of(document(R"([{"id": 1, "file_name": "a", "width": 0, "height": 4}])", "[]", "[]")) ==
        "t.json: images[0]: image id 1 has size 0x4 (width and height must be positive)");
  CHECK(error_of(document(R"([{"id": 1, "file_name": "", "width": 2, "height": 4}])", "[]", "[]")) ==
        "t.json: images[0].file_name: is empty");
  CHECK(error_of(document("[3]", "[]", "[]")) == "t.json: images[0]: expected an object, got number");
}

TEST_CASE("COCO instances: a missing or mistyped category field names its path") {
  CHECK(error_of(document("[]", "[]", R"([{"id": 1, "name": "a"}, {"id": 2}])")) ==
        "t.json: categories[1].name: missing (a required field)");
  CHECK(error_of(document("[]", "[]", R"([{"id": 1, "name": "a", "supercategory": null}])")) ==
        "t.json: categories[0].supercategory: expected a string, got null");
}

TEST_CASE("COCO instances: a missing or mistyped annotation field names its path") {
  const std::string base = R"("id": 5, "image_id": 7, "category_id": 1, )";
  CHECK(error_of(with_annotation(R"({"id": 5, "image_id": 7, "bbox": [0, 0, 1, 1], "area": 1})")) ==
        "t.json: annotations[0].category_id: missing (a required field)");
  CHECK(error_of(with_annotation("{" + base + R"("area": 1})")) ==
        "t.json: annotations[0].bbox: missing (a required field)");
  CHECK(error_of(with_annotation("{" + base + R"("bbox": [0, 0, 1, 1]})")) ==
        "t.json: annotations[0].area: missing (a required field)");
  CHECK(error_of(with_annotation("{" + base + R"("bbox": [0, 0, 1], "area": 1})")) ==
        "t.json: annotations[0].bbox: expected 4 numbers [x, y, w, h], got an array of 3");
  CHECK(error_of(with_annotation("{" + base + R"("bbox": "0 0 1 1", "area": 1})")) ==
        "t.json: annotations[0].bbox: expected 4 numbers [x, y, w, h], got string");
  CHECK(error_of(with_annotation("{" + base + R"("bbox": [0, 0, "1", 1], "area": 1})")) ==
        "t.json: annotations[0].bbox[2]: expected a number, got string");
  CHECK(error_of(with_annotation("{" + base + R"("bbox": [0, 0, 1, 1], "area": "big"})")) ==
        "t.json: annotations[0].area: expected a number, got string");
  CHECK(error_of(with_annotation("{" + base + R"("bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 2})")) ==
        "t.json: annotations[0].iscrowd: expected 0 or 1, got 2");
  CHECK(error_of(with_annotation("{" + base + R"("bbox": [0, 0, 1, 1], "area": -1})")) ==
        "t.json: annotations[0].area: annotation id 5 has negative area -1");
  CHECK(error_of(with_annotation(R"("not an object")")) == "t.json: annotations[0]: expected an object, got string");
  // The path counts the annotation's position in the list.
  std::string many = "[";
  for (int i = 0; i < 17; ++i)
    many += R"({"id": )" + std::to_string(100 + i) +
            R"(, "image_id": 7, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1},)";
  many += R"({"id": 5, "image_id": 7, "category_id": 1, "bbox": [0, 0, 1, 1, 1], "area": 1}])";
  CHECK(error_of(document(kImages, many, kCategories)) ==
        "t.json: annotations[17].bbox: expected 4 numbers [x, y, w, h], got an array of 5");
}

TEST_CASE("COCO instances: a bbox of negative width or height names the annotation") {
  const std::string base = R"({"id": 5, "image_id": 7, "category_id": 1, "area": 1, "bbox": )";
  CHECK(error_of(with_annotation(base + "[3, 4, -2, 1]}")) ==
        "t.json: annotations[0].bbox: annotation id 5 has a negative size: w -2, h 1");
  CHECK(error_of(with_annotation(base + "[3, 4, 2, -0.5]}")) ==
        "t.json: annotations[0].bbox: annotation id 5 has a negative size: w 2, h -0.5");
  // A number too large for a double is refused by the parser, naming it.
  std::string e = error_of(with_annotation(base + "[3, 4, 1e400, 1]}"));
  CHECK(e.find("t.json: malformed JSON at byte") != std::string::npos);
  CHECK(e.find("number overflow parsing '1e400'") != std::string::npos);
}

TEST_CASE("COCO instances: an annotation pointing at an unknown image or category names both ids") {
  CHECK(error_of(with_annotation(R"({"id": 42, "image_id": 99, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1})")) ==
        "t.json: annotations[0]: annotation id 42 refers to image_id 99, which is not among the 2 images");
  CHECK(error_of(with_annotation(R"({"id": 42, "image_id": 7, "category_id": 2, "bbox": [0, 0, 1, 1], "area": 1})")) ==
        "t.json: annotations[0]: annotation id 42 refers to category_id 2, which is not among the 2 categories");
}

TEST_CASE("COCO instances: duplicate image, category and annotation ids") {
  CHECK(error_of(document(R"([{"id": 1, "file_name": "a", "width": 4, "height": 4},
                               {"id": 2, "file_name": "b", "width": 4, "height": 4},
                               {"id": 1, "file_name": "c", "width": 4, "height": 4}])",
                          "[]", "[]")) == "t.json: images[2]: duplicate image id 1 (also images[0])");
  CHECK(error_of(document("[]", "[]", R"([{"id": 3, "name": "a"}, {"id": 3, "name": "b"}])")) ==
        "t.json: categories[1]: duplicate category id 3 (also categories[0])");
  const std::string ann = R"({"id": 9, "image_id": 7, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1})";
  CHECK(error_of(document(kImages, "[" + ann + "," + ann + "]", kCategories)) ==
        "t.json: annotations[1]: duplicate annotation id 9 (also annotations[0])");
}

TEST_CASE("COCO instances: read from a file; a missing file names its path") {
  TempDir tmp;
  const std::string path = tmp.str("instances_mini.json");
  {
    std::ofstream out(path);
    out << document(kImages, kAnnotations, kCategories);
  }
  CocoInstances in = read_coco_instances(path);
  CHECK(in.source == path);
  CHECK(in.images.size() == 2);
  CHECK(in.annotations.size() == 3);
  CHECK_THROWS_WITH_AS(read_coco_instances(tmp.str("nope.json")),
                       doctest::Contains(("COCO instances file '" + tmp.str("nope.json") + "' not found").c_str()),
                       Error);
  CHECK_THROWS_WITH_AS(read_coco_instances(tmp.str()), doctest::Contains("(it is not a regular file)"), Error);
  {
    std::ofstream out(path);
    out << "{\"images\": []";
  }
  CHECK_THROWS_WITH_AS(read_coco_instances(path), doctest::Contains((path + ": malformed JSON").c_str()), Error);
}
