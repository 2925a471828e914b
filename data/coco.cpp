// data/coco.cpp — see coco.h. Construction: read the JSON, build the category map, turn each
// image's annotations into targets (counting what is left out), check every image file exists.
// get(i): decode one image and copy its precomputed targets.
#include "data/coco.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <unordered_map>

#include "core/error.h"
#include "data/image.h"

namespace linattn {

namespace fs = std::filesystem;

CocoInstances filter_coco_instances(const CocoInstances& all, const CategoryMap& categories) {
  CocoInstances out;
  out.source = all.source;
  out.images = all.images;
  for (const CocoCategory& c : all.categories) {
    if (!categories.contains_id(c.id)) continue;
    const std::string& mapped = categories.name(categories.index_of(c.id));
    LINATTN_CHECK(mapped == c.name, all.source, ": category id ", c.id, " is '", c.name, "' here but '", mapped,
                  "' in the category map (are they from the same dataset?)");
    out.categories.push_back(c);
  }
  for (const CocoAnnotation& a : all.annotations)
    if (categories.contains_id(a.category_id)) out.annotations.push_back(a);
  return out;
}

CocoInstances filter_coco_instances(const CocoInstances& all, const std::vector<std::string>& category_names) {
  if (category_names.empty()) return all;
  return filter_coco_instances(all, CategoryMap::from_instances(all, category_names));
}

CocoDetectionDataset::CocoDetectionDataset(const CocoDatasetOptions& options) : options_(options) {
  LINATTN_CHECK(!options.annotation_file.empty(), "COCO dataset: no annotation file given");
  std::error_code ec;
  LINATTN_CHECK(fs::is_directory(options.image_dir, ec), "COCO dataset: image folder '", options.image_dir, "' (for ",
                options.annotation_file, ") does not exist or is not a folder");
  auto all = std::make_shared<const CocoInstances>(read_coco_instances(options.annotation_file));
  all_instances_ = all;
  category_map_ = CategoryMap::from_instances(*all, options.categories);
  instances_ = options.categories.empty()
                   ? all
                   : std::make_shared<const CocoInstances>(filter_coco_instances(*all, category_map_));
  LINATTN_CHECK(!category_map_.empty(), options.annotation_file, ": no categories");

  // Samples in increasing image id.
  const std::vector<CocoImage>& images = all->images;
  order_.resize(images.size());
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) { return images[a].id < images[b].id; });
  std::unordered_map<std::int64_t, std::size_t> sample_of_id;
  sample_of_id.reserve(images.size());
  for (std::size_t s = 0; s < order_.size(); ++s) sample_of_id.emplace(images[order_[s]].id, s);

  // Targets, in file order within an image.
  boxes_.resize(order_.size());
  labels_.resize(order_.size());
  stats_.images = size();
  stats_.annotations = static_cast<std::int64_t>(all->annotations.size());
  for (const CocoAnnotation& a : all->annotations) {
    if (!category_map_.contains_id(a.category_id)) {
      ++stats_.other_categories;
      continue;
    }
    if (a.iscrowd) {
      ++stats_.crowd_skipped;
      continue;
    }
    std::size_t s = sample_of_id.at(a.image_id);  // the reader checked every image_id
    const CocoImage& image = images[order_[s]];
    const double w = static_cast<double>(image.width), h = static_cast<double>(image.height);
    const double x1 = std::clamp(a.bbox[0], 0.0, w), y1 = std::clamp(a.bbox[1], 0.0, h);
    const double x2 = std::clamp(a.bbox[0] + a.bbox[2], 0.0, w), y2 = std::clamp(a.bbox[1] + a.bbox[3], 0.0, h);
    if (x2 - x1 < 1.0 || y2 - y1 < 1.0) {
      ++stats_.degenerate_dropped;
      continue;
    }
    boxes_[s].push_back(
        {static_cast<float>(x1), static_cast<float>(y1), static_cast<float>(x2), static_cast<float>(y2)});
    labels_[s].push_back(category_map_.index_of(a.category_id));
    ++stats_.targets;
  }
  for (const auto& b : boxes_) stats_.empty_images += b.empty() ? 1 : 0;

  // Every image file must be there now, not hours into training.
  for (std::int64_t i = 0; i < size(); ++i) {
    const std::string path = image_path(i);
    LINATTN_CHECK(fs::is_regular_file(path, ec), options.annotation_file, ": image id ", image_info(i).id, ": file '",
                  fs::absolute(path, ec).string(), "' not found");
  }
}

void CocoDetectionDataset::check_index(std::int64_t index) const {
  LINATTN_CHECK(index >= 0 && index < size(), "COCO dataset ", options_.annotation_file, ": index ", index,
                " is outside [0, ", size(), ")");
}

const CocoImage& CocoDetectionDataset::image_info(std::int64_t index) const {
  check_index(index);
  return all_instances_->images[order_[static_cast<std::size_t>(index)]];
}

std::string CocoDetectionDataset::image_path(std::int64_t index) const {
  return (fs::path(options_.image_dir) / image_info(index).file_name).string();
}

const std::vector<std::array<float, 4>>& CocoDetectionDataset::boxes(std::int64_t index) const {
  check_index(index);
  return boxes_[static_cast<std::size_t>(index)];
}

const std::vector<std::int64_t>& CocoDetectionDataset::labels(std::int64_t index) const {
  check_index(index);
  return labels_[static_cast<std::size_t>(index)];
}

DetectionSample CocoDetectionDataset::get(std::int64_t index) const {
  const CocoImage& info = image_info(index);
  const std::string path = image_path(index);
  auto image = std::make_shared<const Image>(load_image(path));
  LINATTN_CHECK(image->width == info.width && image->height == info.height, path, ": the image is ", image->width, "x",
                image->height, " but ", options_.annotation_file, " gives image id ", info.id, " the size ", info.width,
                "x", info.height, " (are the images and the annotation file from the same release?)");
  DetectionSample sample;
  sample.image = image->view();
  sample.owner = std::move(image);
  sample.image_id = info.id;
  sample.original_width = info.width;
  sample.original_height = info.height;
  sample.boxes = boxes_[static_cast<std::size_t>(index)];
  sample.labels = labels_[static_cast<std::size_t>(index)];
  return sample;
}

std::string CocoDetectionDataset::summary() const {
  const CocoDatasetStats& s = stats_;
  std::string classes = options_.categories.empty()
                            ? str_cat(category_map_.size(), " classes")
                            : str_cat(category_map_.size(), " of ", all_instances_->categories.size(), " categories (",
                                      category_map_.names_list(), ")");
  return str_cat("COCO ", options_.annotation_file, ": ", s.images, " images, ", s.annotations, " annotations -> ",
                 s.targets, " targets in ", classes, " (",
                 options_.categories.empty() ? "" : str_cat(s.other_categories, " of other categories, "),
                 s.crowd_skipped, " crowd skipped, ", s.degenerate_dropped, " degenerate (< 1 px) dropped, ",
                 s.empty_images, " images without targets)");
}

}  // namespace linattn
