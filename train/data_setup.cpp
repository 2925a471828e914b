// train/data_setup.cpp — see data_setup.h.
#include "train/data_setup.h"

#include "data/cifar10.h"
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
