// detection/coco_eval_report.cpp — see coco_eval_report.h.
#include "detection/coco_eval_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace linattn::detection {

namespace {

// The name each category id is shown by: its name, or its id when the name is empty or not unique.
std::map<std::int64_t, std::string> display_names(const CocoEvalResult& result,
                                                  const std::vector<CocoCategory>& categories) {
  std::map<std::string, int> uses;
  for (const auto& c : categories) ++uses[c.name];
  std::map<std::int64_t, std::string> names;
  for (std::int64_t id : result.category_ids) names[id] = std::to_string(id);
  for (const auto& c : categories)
    if (!c.name.empty() && uses[c.name] == 1 && names.count(c.id)) names[c.id] = c.name;
  return names;
}

}  // namespace

const std::vector<std::string>& coco_stat_names() {
  static const std::vector<std::string> names = {"AP",  "AP50", "AP75", "APs",  "APm",  "APl",
                                                  "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};
  return names;
}

std::string format_coco_summary(const CocoEvalResult& result) {
  struct Line {
    bool ap;
    const char* iou;
    const char* area;
    int max_dets;
  };
  // pycocotools' _summarizeDets, and its format ' {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}'.
  static const Line lines[12] = {{true, "0.50:0.95", "all", 100},   {true, "0.50", "all", 100},
                                 {true, "0.75", "all", 100},        {true, "0.50:0.95", "small", 100},
                                 {true, "0.50:0.95", "medium", 100}, {true, "0.50:0.95", "large", 100},
                                 {false, "0.50:0.95", "all", 1},    {false, "0.50:0.95", "all", 10},
                                 {false, "0.50:0.95", "all", 100},  {false, "0.50:0.95", "small", 100},
                                 {false, "0.50:0.95", "medium", 100}, {false, "0.50:0.95", "large", 100}};
  std::string text;
  char buf[160];
  for (int i = 0; i < 12; ++i) {
    const Line& l = lines[i];
    std::snprintf(buf, sizeof buf, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                  l.ap ? "Average Precision" : "Average Recall", l.ap ? "(AP)" : "(AR)", l.iou, l.area, l.max_dets,
                  result.stats[static_cast<std::size_t>(i)]);
    text += buf;
  }
  return text;
}

std::string format_per_category_ap(const CocoEvalResult& result, const std::vector<CocoCategory>& categories) {
  const auto names = display_names(result, categories);
  int width = 8;
  for (const auto& [id, name] : names) width = std::max(width, static_cast<int>(name.size()));
  std::string text;
  char buf[512];
  std::snprintf(buf, sizeof buf, " %-*s %6s %7s\n", width, "category", "id", "AP");
  text += buf;
  bool any_missing = false;
  for (const auto& [id, ap] : result.per_category_ap) {
    const std::string& name = names.at(id);
    if (ap > -1) {
      std::snprintf(buf, sizeof buf, " %-*s %6lld %7.3f\n", width, name.c_str(), static_cast<long long>(id), ap);
    } else {
      std::snprintf(buf, sizeof buf, " %-*s %6lld %7s\n", width, name.c_str(), static_cast<long long>(id), "n/a");
      any_missing = true;
    }
    text += buf;
  }
  if (any_missing) text += " (n/a: no ground truth of that category; left out of the means)\n";
  return text;
}

std::string coco_eval_json(const CocoEvalResult& result, const std::vector<CocoCategory>& categories) {
  const auto names = display_names(result, categories);
  nlohmann::ordered_json j;
  j["stats"] = nlohmann::ordered_json::array();
  for (double s : result.stats) j["stats"].push_back(s);
  j["per_category"] = nlohmann::ordered_json::object();
  for (const auto& [id, ap] : result.per_category_ap) j["per_category"][names.at(id)] = ap;
  return j.dump();
}

}  // namespace linattn::detection
