// core/guarded_registry.h — the storage behind linattn's name-keyed registries (models, tasks):
// one process-wide map, filled with the built-in entries on first use, guarded by a mutex, and
// never destroyed (so it stays usable from static destructors). Entries are never erased, so
// pointers to std::map values stay valid.
#pragma once
#include <map>
#include <mutex>
#include <string>

namespace linattn {

template <class Entry>
struct GuardedRegistry {
  std::mutex mutex;
  std::map<std::string, Entry> registry;
};

// The registry of `Entry`s, built once by fill_builtins(registry) on the first call. Call it from
// one place per registry (one function template instance per Entry type).
template <class Entry, class Fill>
GuardedRegistry<Entry>& guarded_registry(Fill fill_builtins) {
  static GuardedRegistry<Entry>* g = [&] {
    auto* out = new GuardedRegistry<Entry>();  // never destroyed: usable from static destructors
    fill_builtins(out->registry);
    return out;
  }();
  return *g;
}

}  // namespace linattn
