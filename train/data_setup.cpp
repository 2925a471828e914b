// train/data_setup.cpp — see data_setup.h.
#include "train/data_setup.h"

#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include "core/error.h"
#include "data/cifar10.h"
#include "data/coco_paths.h"
#include "data/data_root.h"

namespace linattn {

std::shared_ptr<const Dataset> load_split(const ExperimentConfig& config, const std::string& cli_data_root,
                                          const std::string& split) {
  const DataConfig& data = config.data;
  LINATTN_CHECK(data.dataset == DatasetName::Cifar10, "data.dataset: the image-classification trainer reads cifar10, got '",
                to_string(data.dataset), "'");
  Cifar10Options options;
  // An explicit root (--data-root, data.root, $LINATTN_DATA) may also be the dataset folder
  // itself or hold the official cifar-10-batches-bin/: find_cifar10 looks there, and when it
  // finds nothing the error says which root was searched and where that root came from. Only the
  // default ./data needs cifar10/.
  const std::string explicit_root = cli_data_root.empty() ? data.root : cli_data_root;
  const DataRootCandidate root =
      find_data_root(explicit_root, "cifar10", cli_data_root.empty() ? "data.root" : "--data-root");
  options.root = root.path;
  options.split = split;
  options.format = parse_cifar_format(to_string(data.format));
  try {
    find_cifar10(options.root, options.split, options.format);
  } catch (const Error& e) {
    fail(str_cat("in the data root ", root.path, " (from ", root.source, "): ", e.what()));
  }
  options.subset = split == "train" ? data.train_subset : data.test_subset;
  options.num_threads = static_cast<int>(config.threads);
  return std::make_shared<Cifar10>(options);
}

const std::vector<std::string>& coco_folder_names() {
  static const std::vector<std::string> names{"coco-subset", "coco2017", "coco"};
  return names;
}

std::shared_ptr<const CocoDetectionDataset> load_coco_split(const ExperimentConfig& config,
                                                            const std::string& cli_data_root,
                                                            const std::string& split) {
  const DataConfig& data = config.data;
  LINATTN_CHECK(data.dataset == DatasetName::Coco, "data.dataset: the detection task reads coco, got '",
                to_string(data.dataset), "'");
  const std::string explicit_root = cli_data_root.empty() ? data.root : cli_data_root;
  const DataRootCandidate root = find_data_root(explicit_root, "", cli_data_root.empty() ? "data.root" : "--data-root");
  // The root may be the dataset folder itself, else it holds one of the usual names.
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string folder, tried;
  if (fs::is_directory(fs::path(root.path) / "annotations", ec)) folder = root.path;
  for (const auto& name : coco_folder_names()) {
    if (!folder.empty()) break;
    const fs::path candidate = fs::path(root.path) / name;
    if (fs::is_directory(candidate, ec)) folder = candidate.string();
    else tried += (tried.empty() ? "" : ", ") + candidate.string();
  }
  LINATTN_CHECK(!folder.empty(), "cannot find a COCO dataset in the data root ", root.path, " (from ", root.source,
                "): it has no annotations/ folder and none of ", tried,
                "\n---> HINT: `bash scripts/get_data coco` prints the layout linattn reads; pass --data-root DIR or "
                "set LINATTN_DATA=DIR");
  CocoDatasetOptions options;
  try {
    const CocoSplitPaths paths = find_coco_split(folder, "", split);
    options.annotation_file = paths.annotations;
    options.image_dir = paths.images;
  } catch (const Error& e) {
    fail(str_cat("in the data root ", root.path, " (from ", root.source, "): ", e.what()));
  }
  options.categories = data.categories;
  try {
    return std::make_shared<const CocoDetectionDataset>(options);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (!data.categories.empty() && message.find("category filter") != std::string::npos)
      fail(str_cat("data.categories: ", message));
    throw;
  }
}

CocoSubset::CocoSubset(std::shared_ptr<const CocoDetectionDataset> coco, std::int64_t count) : coco_(std::move(coco)) {
  LINATTN_CHECK(coco_ != nullptr, "CocoSubset: no dataset");
  LINATTN_CHECK(count >= 0, "CocoSubset: the image count must be >= 0 (0: all), got ", count);
  size_ = count == 0 ? coco_->size() : std::min(count, coco_->size());
}

DetectionSample CocoSubset::get(std::int64_t index) const {
  LINATTN_CHECK(index >= 0 && index < size_, "CocoSubset: index ", index, " outside [0, ", size_, ")");
  return coco_->get(index);
}

CocoInstances restrict_to_images(const CocoInstances& instances, const std::vector<std::int64_t>& image_ids) {
  const std::unordered_set<std::int64_t> wanted(image_ids.begin(), image_ids.end());
  CocoInstances out;
  out.source = instances.source;
  out.categories = instances.categories;
  std::unordered_set<std::int64_t> found;
  for (const CocoImage& image : instances.images)
    if (wanted.count(image.id)) {
      out.images.push_back(image);
      found.insert(image.id);
    }
  for (std::int64_t id : image_ids)
    LINATTN_CHECK(found.count(id), instances.source, ": no image with id ", id, " to evaluate against");
  for (const CocoAnnotation& a : instances.annotations)
    if (wanted.count(a.image_id)) out.annotations.push_back(a);
  return out;
}

LoaderOptions eval_loader_options(const ExperimentConfig& config) {
  LoaderOptions o;
  o.batch_size = config.data.batch_size;
  o.shuffle = false;
  o.num_workers = static_cast<int>(config.data.workers);
  o.seed = static_cast<std::uint64_t>(config.seed);
  o.augment.normalize = true;
  return o;
}

LoaderOptions train_loader_options(const ExperimentConfig& config) {
  const AugmentConfig& a = config.data.augment;
  LoaderOptions o = eval_loader_options(config);
  o.shuffle = true;
  o.augment.crop_padding = static_cast<int>(a.crop_padding);
  o.augment.horizontal_flip = a.flip;
  o.augment.randaugment_ops = static_cast<int>(a.randaugment.n);
  o.augment.randaugment_magnitude = static_cast<int>(a.randaugment.m);
  o.augment.mixup_alpha = a.mixup_alpha;
  o.augment.cutmix_alpha = a.cutmix_alpha;
  return o;
}

}  // namespace linattn
