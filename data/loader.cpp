// data/loader.cpp — see loader.h.
#include "data/loader.h"

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include "core/error.h"

namespace linattn {

namespace {

constexpr std::uint64_t kShuffleStream = 1, kAugmentStream = 2;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream, std::uint64_t epoch, std::uint64_t index) {
  std::uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ stream);
  h = splitmix64(h ^ epoch);
  return splitmix64(h ^ index);
}

// One epoch's workers. Batch indices [next_claim, end) are claimed in order, at most `capacity`
// ahead of the consumer's next_deliver; finished batches (or the exception that stopped them)
// wait in `ready` until the consumer takes them, in order.
struct DataLoader::Prefetcher {
  using Result = std::variant<Batch, std::exception_ptr>;

  std::mutex mutex;
  std::condition_variable work_cv, ready_cv;
  std::int64_t next_claim = 0, next_deliver = 0, end = 0, capacity = 1;
  std::map<std::int64_t, Result> ready;
  bool stop = false;
  std::vector<std::thread> threads;

  void worker(const DataLoader& loader, std::shared_ptr<const std::vector<std::int64_t>> order, std::int64_t epoch) {
    std::unique_lock lock(mutex);
    for (;;) {
      work_cv.wait(lock, [&] { return stop || next_claim >= end || next_claim < next_deliver + capacity; });
      if (stop || next_claim >= end) return;
      std::int64_t index = next_claim++;
      lock.unlock();
      Result result;
      try {
        result = loader.build_batch(*order, epoch, index);
      } catch (...) {
        result = std::current_exception();
      }
      lock.lock();
      ready.emplace(index, std::move(result));
      ready_cv.notify_all();
    }
  }

  Result take(std::int64_t index) {
    std::unique_lock lock(mutex);
    ready_cv.wait(lock, [&] { return ready.count(index) > 0; });
    auto node = ready.extract(index);
    next_deliver = index + 1;
    work_cv.notify_all();
    return std::move(node.mapped());
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    work_cv.notify_all();
    for (auto& t : threads) t.join();
    threads.clear();
  }
};

ClassificationBatches::ClassificationBatches(std::shared_ptr<const Dataset> dataset, AugmentOptions augment)
    : dataset_(std::move(dataset)), augment_(std::move(augment)) {
  LINATTN_CHECK(dataset_ != nullptr, "DataLoader: no dataset");
  validate(augment_);
}

Batch ClassificationBatches::make(const std::vector<std::int64_t>& indices, Generator& gen) const {
  std::vector<Sample> samples;
  samples.reserve(indices.size());
  for (std::int64_t i : indices) samples.push_back(dataset_->get(i));
  return collate(samples, indices, dataset_->num_classes(), augment_, gen);
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : DataLoader(std::make_shared<const ClassificationBatches>(std::move(dataset), options.augment), options) {}

DataLoader::DataLoader(std::shared_ptr<const BatchSource> source, LoaderOptions options)
    : source_(std::move(source)), options_(std::move(options)) {
  LINATTN_CHECK(source_ != nullptr, "DataLoader: no dataset");
  LINATTN_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be > 0, got ", options_.batch_size);
  LINATTN_CHECK(options_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got ", options_.num_workers);
  LINATTN_CHECK(options_.prefetch >= 0, "DataLoader: prefetch must be >= 0, got ", options_.prefetch);
}

DataLoader::~DataLoader() { stop_workers(); }

void DataLoader::stop_workers() {
  if (prefetcher_) prefetcher_->shutdown();
  prefetcher_.reset();
}

std::int64_t DataLoader::num_batches() const {
  const std::int64_t n = source_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<std::int64_t> DataLoader::epoch_order(std::int64_t epoch) const {
  const std::int64_t n = source_->size();
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  if (!options_.shuffle) return order;
  Generator gen(derive_seed(options_.seed, kShuffleStream, static_cast<std::uint64_t>(epoch), 0));
  for (std::int64_t i = n - 1; i > 0; --i)  // Fisher–Yates
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(gen.randint(0, i + 1))]);
  return order;
}

Batch DataLoader::build_batch(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t index) const {
  const std::int64_t n = static_cast<std::int64_t>(order.size()), b = options_.batch_size;
  const std::int64_t first = index * b, last = std::min(n, first + b);
  std::vector<std::int64_t> indices(order.begin() + first, order.begin() + last);
  Batch batch;
  try {
    Generator gen(derive_seed(options_.seed, kAugmentStream, static_cast<std::uint64_t>(epoch),
                              static_cast<std::uint64_t>(index)));
    batch = source_->make(indices, gen);
  } catch (const Error& e) {  // say which batch; other exception types pass through unchanged
    fail(str_cat("DataLoader: batch ", index, " of epoch ", epoch, ": ", e.what()));
  }
  batch.indices = std::move(indices);
  batch.epoch = epoch;
  batch.index = index;
  return batch;
}

Batch DataLoader::make_batch(std::int64_t epoch, std::int64_t index) const {
  LINATTN_CHECK(epoch >= 0, "DataLoader: epoch must be >= 0, got ", epoch);
  LINATTN_CHECK(index >= 0 && index < num_batches(), "DataLoader: batch ", index, " out of range [0, ", num_batches(),
                ")");
  if (order_ && epoch == epoch_) return build_batch(*order_, epoch, index);
  return build_batch(epoch_order(epoch), epoch, index);
}

void DataLoader::start_epoch(std::int64_t epoch, std::int64_t skip_batches) {
  LINATTN_CHECK(epoch >= 0, "DataLoader::start_epoch: epoch must be >= 0, got ", epoch);
  LINATTN_CHECK(skip_batches >= 0 && skip_batches <= num_batches(), "DataLoader::start_epoch: skip_batches ",
                skip_batches, " outside [0, ", num_batches(), "] (batches per epoch: ", num_batches(), ")");
  stop_workers();
  if (!order_ || epoch != epoch_) order_ = std::make_shared<const std::vector<std::int64_t>>(epoch_order(epoch));
  epoch_ = epoch;
  position_ = skip_batches;
  if (options_.num_workers == 0 || position_ >= num_batches()) return;

  prefetcher_ = std::make_unique<Prefetcher>();
  Prefetcher& p = *prefetcher_;
  p.next_claim = p.next_deliver = position_;
  p.end = num_batches();
  p.capacity = options_.prefetch > 0 ? options_.prefetch : 2 * options_.num_workers;
  try {
    for (int w = 0; w < options_.num_workers; ++w)
      p.threads.emplace_back(&Prefetcher::worker, &p, std::cref(*this), order_, epoch);
  } catch (...) {
    stop_workers();
    throw;
  }
}

std::optional<Batch> DataLoader::next() {
  LINATTN_CHECK(epoch_ >= 0, "DataLoader::next: no epoch started\n---> HINT: call start_epoch(epoch) first");
  if (position_ >= num_batches()) {
    stop_workers();
    return std::nullopt;
  }
  const std::int64_t index = position_++;
  if (!prefetcher_) return build_batch(*order_, epoch_, index);
  Prefetcher::Result result = prefetcher_->take(index);
  if (auto* error = std::get_if<std::exception_ptr>(&result)) std::rethrow_exception(*error);
  return std::move(std::get<Batch>(result));
}

}  // namespace linattn
