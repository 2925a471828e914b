// data/loader.h — DataLoader: batches of a dataset, shuffled, augmented and collated into
// float32 (B, 3, H, W) tensors, optionally built ahead by background worker threads.
// Used by the trainer (one loader per split).
//
// What a batch holds is up to its BatchSource — the task's "dataset + collate": the
// classification one (ClassificationBatches, below: a Dataset and AugmentOptions) or the
// detection one (data/detection_collate.h). Scheduling, seeding, prefetch and resuming are this
// one class for every task.
//
// Determinism by construction: the order of an epoch is a pure function of (seed, epoch) and the
// augmentation randomness of a batch a pure function of (seed, epoch, batch index) — each batch
// gets its own Generator — so the batches are identical for any num_workers, run after run.
// Resuming: a checkpoint saves (epoch(), position()); start_epoch(epoch, position) continues
// with exactly the batches an uninterrupted run would have produced.
// Workers: batch indices are claimed in order, at most `prefetch` ahead of the consumer, and
// handed out in order. A worker's exception is rethrown by next() when the consumer reaches that
// batch. start_epoch() and the destructor stop and join the workers (no hang mid-epoch).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "data/batch.h"
#include "data/dataset.h"
#include "data/transforms.h"

namespace linattn {

// Builds the batch of some dataset indices. make() is called from loader worker threads
// concurrently and must be a pure function of (indices, the generator's state).
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual std::int64_t size() const = 0;  // samples in the dataset
  // The batch of `indices` (non-empty), every random choice drawn from gen.
  virtual Batch make(const std::vector<std::int64_t>& indices, Generator& gen) const = 0;
};

// Classification: the samples of a Dataset through collate() (data/transforms.h).
class ClassificationBatches : public BatchSource {
 public:
  ClassificationBatches(std::shared_ptr<const Dataset> dataset, AugmentOptions augment);
  std::int64_t size() const override { return dataset_->size(); }
  Batch make(const std::vector<std::int64_t>& indices, Generator& gen) const override;
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  AugmentOptions augment_;
};

struct LoaderOptions {
  std::int64_t batch_size = 128;
  bool shuffle = false;
  bool drop_last = false;     // drop a last batch smaller than batch_size
  int num_workers = 0;        // 0: next() builds each batch in the caller's thread
  int prefetch = 0;           // batches built ahead of the consumer; 0: 2 per worker
  std::uint64_t seed = 0;
  AugmentOptions augment{};   // classification only: all off by default (then: plain x/255 conversion)
};

class DataLoader {
 public:
  // Classification: batches of `dataset` augmented by options.augment.
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  // Any task: batches made by `source` (options.augment is not used).
  DataLoader(std::shared_ptr<const BatchSource> source, LoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  const BatchSource& source() const { return *source_; }
  const LoaderOptions& options() const { return options_; }
  std::int64_t num_batches() const;  // per epoch

  // Begins epoch `epoch` at batch `skip_batches` (0 <= skip <= num_batches()), stopping any
  // workers still busy with the previous one.
  void start_epoch(std::int64_t epoch, std::int64_t skip_batches = 0);
  // The next batch of the current epoch, or nullopt once the epoch is done.
  std::optional<Batch> next();

  std::int64_t epoch() const { return epoch_; }
  std::int64_t position() const { return position_; }  // batches of this epoch consumed (or skipped)

  // The pure functions behind next(): the dataset indices of an epoch, in order, and batch
  // `index` of epoch `epoch`, computed directly.
  std::vector<std::int64_t> epoch_order(std::int64_t epoch) const;
  Batch make_batch(std::int64_t epoch, std::int64_t index) const;

 private:
  struct Prefetcher;  // worker threads + the bounded, ordered queue of one epoch
  Batch build_batch(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t index) const;
  void stop_workers();

  std::shared_ptr<const BatchSource> source_;
  LoaderOptions options_;
  std::int64_t epoch_ = -1, position_ = 0;
  std::shared_ptr<const std::vector<std::int64_t>> order_;  // of epoch_
  std::unique_ptr<Prefetcher> prefetcher_;
};

// The seed of one random stream, hashed (splitmix64) from the loader seed, a stream tag, the
// epoch and the batch index; exposed so the trainer can derive its own streams the same way.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream, std::uint64_t epoch, std::uint64_t index);

}  // namespace linattn
