// tests/coco_eval/test_cocoeval_reference.cpp — the COCO evaluator against an independent one: for
// every seeded random case written by tests/reference/make_cocoeval_goldens.py (ground truth and
// detections as official COCO JSON files, evaluated by the numpy COCOeval in
// tests/reference/cocoeval_ref.py), linattn reads the two files and evaluates them; all 12 stats
// and every per-category AP must agree within 1e-6 (absolute). Without the files (no numpy for
// the fixture) the test prints "SKIP: ..." and exits 77.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "data/coco_json.h"
#include "detection/coco_eval.h"
#include "support/reference.h"

using namespace linattn;
using namespace linattn::detection;
using namespace linattn::testing;

namespace {

constexpr double kTolerance = 1e-6;
constexpr const char* kStatNames[12] = {"AP",  "AP50", "AP75",  "APs", "APm", "APl",
                                        "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};

std::string cases_dir() { return golden_dir() + "/cocoeval"; }

nlohmann::json load_expected_or_skip() {
  std::string path = cases_dir() + "/expected.json";
  if (!std::filesystem::exists(path))
    skip_test("golden file " + path +
              " does not exist (it is written by the ctest fixture tests/reference/make_cocoeval_goldens.py "
              "when /usr/bin/python3 can import numpy)");
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  return nlohmann::json::parse(in);
}

std::string describe(const std::string& case_name, const std::string& what, double actual, double expected) {
  std::ostringstream s;
  s.precision(17);
  s << case_name << " " << what << ": linattn " << actual << ", numpy reference " << expected
    << ", |difference| " << std::abs(actual - expected) << " (tolerance " << kTolerance << ")";
  return s.str();
}

}  // namespace

TEST_CASE("coco_evaluate agrees with the independent numpy COCOeval on seeded random cases") {
  nlohmann::json expected = load_expected_or_skip();
  const nlohmann::json& cases = expected.at("cases");
  REQUIRE(cases.size() >= 6);

  double largest_difference = 0;
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    CocoInstances ground_truth = read_coco_instances(cases_dir() + "/" + c.at("gt").get<std::string>());
    std::vector<CocoDetection> detections = read_coco_results(cases_dir() + "/" + c.at("dt").get<std::string>());
    CocoEvalResult result = coco_evaluate(ground_truth, detections);

    const nlohmann::json& stats = c.at("stats");
    REQUIRE(stats.size() == 12);
    for (std::size_t i = 0; i < 12; ++i) {
      double want = stats[i].get<double>();
      std::string message = describe(name, kStatNames[i], result.stats[i], want);
      INFO(message);
      CHECK(std::abs(result.stats[i] - want) <= kTolerance);
      largest_difference = std::max(largest_difference, std::abs(result.stats[i] - want));
    }

    const nlohmann::json& per_category = c.at("per_category");
    {
      std::string message = name + ": number of categories";
      INFO(message);
      CHECK(result.per_category_ap.size() == per_category.size());
    }
    for (const auto& [id_text, ap] : per_category.items()) {
      std::int64_t id = std::stoll(id_text);
      auto found = result.per_category_ap.find(id);
      std::string message = name + ": category " + id_text + " is in linattn's per-category table";
      INFO(message);
      REQUIRE(found != result.per_category_ap.end());
      std::string value_message = describe(name, "per-category AP of category " + id_text, found->second,
                                           ap.get<double>());
      INFO(value_message);
      CHECK(std::abs(found->second - ap.get<double>()) <= kTolerance);
      largest_difference = std::max(largest_difference, std::abs(found->second - ap.get<double>()));
    }
  }
  MESSAGE("largest |linattn - numpy| over ", cases.size(), " cases: ", largest_difference);
}

TEST_CASE("the random COCO evaluation cases exercise what they claim to") {
  // Guards the generator: if a change to it stopped producing categories without ground truth
  // (AP -1, left out of the means) or stats that differ between cases, the comparison above
  // would test less than it says.
  nlohmann::json expected = load_expected_or_skip();
  int categories_without_gt = 0, categories_with_gt = 0;
  double smallest_ap = 1, largest_ap = 0;
  for (const nlohmann::json& c : expected.at("cases")) {
    for (const auto& [id_text, ap] : c.at("per_category").items()) {
      if (ap.get<double>() == -1)
        ++categories_without_gt;
      else
        ++categories_with_gt;
    }
    double ap = c.at("stats")[0].get<double>();
    smallest_ap = std::min(smallest_ap, ap);
    largest_ap = std::max(largest_ap, ap);
    for (const nlohmann::json& s : c.at("stats")) {
      CHECK(s.get<double>() >= 0);  // every case has GT of every size: no -1 among the 12 stats
      CHECK(s.get<double>() <= 1);
    }
  }
  CHECK(categories_without_gt >= 4);
  CHECK(categories_with_gt >= 15);
  CHECK(largest_ap - smallest_ap > 0.02);
}
