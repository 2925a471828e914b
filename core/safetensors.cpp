// core/safetensors.cpp — see safetensors.h. nlohmann-json stays in this file (it is a heavy
// header); the header parse is validated completely before any tensor memory is allocated.
#include "core/safetensors.h"

#include <unistd.h>  // fsync

#include <algorithm>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace linattn {

static_assert(std::endian::native == std::endian::little,
              "safetensors I/O copies raw bytes and assumes a little-endian host");

namespace {

using Json = nlohmann::ordered_json;  // keeps the header's order
constexpr const char* kMetadataKey = "__metadata__";

[[noreturn]] void bad_file(const std::string& path, const std::string& problem) {
  fail(str_cat("safetensors file '", path, "': ", problem));
}

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I64: return "I64";
  }
  return "?";
}

// The dtype names of the format that linattn cannot hold (named in the error message).
bool known_unsupported_dtype(const std::string& name) {
  static const std::set<std::string> names = {"BF16", "F16", "F8_E4M3", "F8_E5M2", "BOOL", "U8", "I8",
                                              "U16", "I16", "U32", "I32", "U64"};
  return names.count(name) > 0;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// ---- saving ---------------------------------------------------------------------------------

void write_all(std::FILE* f, const void* data, std::size_t n, const std::string& tmp) {
  if (n > 0 && std::fwrite(data, 1, n, f) != n)
    fail(str_cat("cannot write '", tmp, "': ", std::strerror(errno)));
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    header[kMetadataKey] = std::move(meta);
  }
  std::vector<Tensor> host;  // contiguous CPU copies, in order
  std::set<std::string> seen;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    LINATTN_CHECK(!name.empty(), "save_safetensors('", path, "'): a tensor has an empty name");
    LINATTN_CHECK(name != kMetadataKey, "save_safetensors('", path, "'): '", kMetadataKey,
                  "' is reserved for metadata and cannot name a tensor");
    LINATTN_CHECK(seen.insert(name).second, "save_safetensors('", path, "'): tensor name '", name,
                  "' appears twice");
    LINATTN_CHECK(tensor.defined(), "save_safetensors('", path, "'): tensor '", name, "' is undefined");
    host.push_back(tensor.detach().cpu());
    std::uint64_t end = offset + host.back().nbytes();
    header[name] = {{"dtype", safetensors_dtype(tensor.dtype())},
                    {"shape", tensor.shape()},
                    {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as PyTorch's writer does

  const std::string tmp = path + ".tmp";
  {
    File f(std::fopen(tmp.c_str(), "wb"));
    LINATTN_CHECK(f != nullptr, "save_safetensors: cannot create '", tmp, "': ", std::strerror(errno),
                  ". ---> HINT: does the folder exist and is it writable?");
    unsigned char len[8];
    auto n = static_cast<std::uint64_t>(text.size());
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    try {
      write_all(f.get(), len, 8, tmp);
      write_all(f.get(), text.data(), text.size(), tmp);
      for (const Tensor& t : host) write_all(f.get(), t.raw(), t.nbytes(), tmp);
      if (std::fflush(f.get()) != 0 || ::fsync(fileno(f.get())) != 0)
        fail(str_cat("cannot write '", tmp, "': ", std::strerror(errno)));
    } catch (...) {
      f.reset();
      std::remove(tmp.c_str());
      throw;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    fail(str_cat("save_safetensors: cannot rename '", tmp, "' to '", path, "': ", ec.message()));
  }
}

// ---- loading --------------------------------------------------------------------------------

namespace {

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  std::uint64_t begin, end;
};

std::uint64_t read_u64(const Json& v, const std::string& path, const std::string& what) {
  if (!v.is_number_unsigned())
    bad_file(path, str_cat(what, " must be a non-negative integer, got ", v.dump()));
  return v.get<std::uint64_t>();
}

Entry parse_entry(const std::string& path, const std::string& name, const Json& e, std::uint64_t data_size) {
  const std::string where = str_cat("tensor '", name, "'");
  if (!e.is_object())
    bad_file(path, str_cat(where, ": expected an object {dtype, shape, data_offsets}, got ", e.dump()));
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!e.contains(key)) bad_file(path, str_cat(where, ": missing \"", key, "\""));
  for (const auto& item : e.items())
    if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets")
      bad_file(path, str_cat(where, ": unexpected key \"", item.key(), "\""));

  Entry out{name, DType::F32, {}, 0, 0};
  const Json& dt = e["dtype"];
  if (!dt.is_string()) bad_file(path, str_cat(where, ": dtype must be a string, got ", dt.dump()));
  const auto dname = dt.get<std::string>();
  if (dname == "F32") out.dtype = DType::F32;
  else if (dname == "F64") out.dtype = DType::F64;
  else if (dname == "I64") out.dtype = DType::I64;
  else if (known_unsupported_dtype(dname))
    bad_file(path, str_cat(where, ": dtype ", dname, " is not supported (linattn reads F32, F64 and I64; "
                           "BF16/F16 are unsupported). ---> HINT: convert to float32 before saving"));
  else
    bad_file(path, str_cat(where, ": unknown dtype '", dname, "' (linattn reads F32, F64 and I64)"));

  const Json& shape = e["shape"];
  if (!shape.is_array()) bad_file(path, str_cat(where, ": shape must be an array, got ", shape.dump()));
  std::uint64_t numel = 1;
  bool overflow = false;
  for (const Json& d : shape) {
    std::uint64_t v = read_u64(d, path, str_cat(where, ": each shape entry"));
    if (v > static_cast<std::uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, v, &numel)) overflow = true;
    out.shape.push_back(static_cast<std::int64_t>(v));
  }
  const Json& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2)
    bad_file(path, str_cat(where, ": data_offsets must be [begin, end], got ", off.dump()));
  out.begin = read_u64(off[0], path, str_cat(where, ": data_offsets begin"));
  out.end = read_u64(off[1], path, str_cat(where, ": data_offsets end"));
  if (out.begin > out.end)
    bad_file(path, str_cat(where, ": data_offsets [", out.begin, ", ", out.end, "] end before they begin"));
  if (out.end > data_size)
    bad_file(path, str_cat(where, ": data_offsets [", out.begin, ", ", out.end,
                           "] are out of range (the data region has ", data_size, " bytes)"));
  std::uint64_t bytes = 0;
  if (overflow || __builtin_mul_overflow(numel, dtype_size(out.dtype), &bytes) || bytes != out.end - out.begin)
    bad_file(path, str_cat(where, ": shape ", shape_str(out.shape), " of ", dname, " needs ",
                           overflow ? std::string("more bytes than fit in 64 bits") : str_cat(bytes, " bytes"),
                           " but data_offsets [", out.begin, ", ", out.end, "] hold ", out.end - out.begin));
  return out;
}

// Sorted by offset, the tensors must tile [0, data_size) exactly.
void check_coverage(const std::string& path, std::vector<Entry> entries, std::uint64_t data_size) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  std::uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered)
      bad_file(path, str_cat("tensors '", previous->name, "' [", previous->begin, ", ", previous->end, ") and '",
                             e.name, "' [", e.begin, ", ", e.end, ") overlap"));
    if (e.begin > covered)
      bad_file(path, str_cat("data bytes [", covered, ", ", e.begin, ") belong to no tensor (the data region "
                             "is not fully covered)"));
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size)
    bad_file(path, str_cat("data bytes [", covered, ", ", data_size, ") belong to no tensor (the data region "
                           "is not fully covered)"));
}

// Reads `n` bytes at `offset` of the source into `dst`; an Error (naming `what`) when it cannot.
using ReadAt = std::function<void(std::uint64_t offset, void* dst, std::size_t n, const std::string& what)>;

// The whole format check and load, over a source of `size` bytes called `path` in errors.
SafetensorsFile load_from(const std::string& path, std::uint64_t size, const ReadAt& read_at) {
  if (size < 8)
    bad_file(path, str_cat("the file has ", size, " bytes, fewer than the 8-byte header length "
                           "(not a safetensors file, or truncated)"));
  unsigned char len[8];
  read_at(0, len, 8, "the header length");
  std::uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<std::uint64_t>(len[i]) << (8 * i);
  if (header_len > size - 8)
    bad_file(path, str_cat("header length ", header_len, " is larger than the rest of the file (", size - 8,
                           " bytes): not a safetensors file, or truncated"));
  std::string text(header_len, '\0');
  read_at(8, text.data(), text.size(), "the header");

  // Parse, noting repeated top-level names (the JSON library would silently keep the last).
  std::vector<std::string> duplicates;
  std::set<std::string> top_keys;
  Json header;
  try {
    header = Json::parse(text, [&](int depth, Json::parse_event_t event, Json& parsed) {
      if (event == Json::parse_event_t::key && depth == 1 && !top_keys.insert(parsed.get<std::string>()).second)
        duplicates.push_back(parsed.get<std::string>());
      return true;
    });
  } catch (const nlohmann::json::exception& e) {
    bad_file(path, str_cat("the header is not valid JSON (", e.what(), ")"));
  }
  if (!duplicates.empty()) bad_file(path, str_cat("tensor name '", duplicates.front(), "' appears twice in the header"));
  if (!header.is_object()) bad_file(path, str_cat("the header must be a JSON object, got ", header.type_name()));

  SafetensorsFile out;
  out.path = path;
  const std::uint64_t data_size = size - 8 - header_len;
  std::vector<Entry> entries;
  for (const auto& item : header.items()) {
    if (item.key() == kMetadataKey) {
      if (!item.value().is_object()) bad_file(path, "__metadata__ must be an object of strings");
      for (const auto& m : item.value().items()) {
        if (!m.value().is_string())
          bad_file(path, str_cat("__metadata__ value of '", m.key(), "' must be a string, got ", m.value().dump()));
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(path, item.key(), item.value(), data_size));
  }
  check_coverage(path, entries, data_size);

  const std::uint64_t data_start = 8 + header_len;
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, {.dtype = e.dtype});
    if (t.nbytes() > 0) read_at(data_start + e.begin, t.raw(), t.nbytes(), str_cat("the data of tensor '", e.name, "'"));
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

}  // namespace

SafetensorsFile load_safetensors(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    fail(str_cat("safetensors file '", path, "' does not exist"));
  if (!std::filesystem::is_regular_file(path, ec))
    fail(str_cat("safetensors file '", path, "' is not a regular file"));
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) bad_file(path, str_cat("cannot read its size: ", ec.message()));
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) bad_file(path, str_cat("cannot open: ", std::strerror(errno)));
  return load_from(path, size, [&](std::uint64_t offset, void* dst, std::size_t n, const std::string& what) {
    if (offset > static_cast<std::uint64_t>(LONG_MAX) || std::fseek(f.get(), static_cast<long>(offset), SEEK_SET) != 0 ||
        std::fread(dst, 1, n, f.get()) != n)
      bad_file(path, str_cat("cannot read ", what));
  });
}

SafetensorsFile parse_safetensors(const std::uint8_t* data, std::size_t size, const std::string& name) {
  return load_from(name, size, [&](std::uint64_t offset, void* dst, std::size_t n, const std::string& what) {
    if (offset > size || n > size - offset)  // never: load_from checks every range first
      bad_file(name, str_cat("cannot read ", what, ": past the end of the data"));
    if (n > 0) std::memcpy(dst, data + offset, n);
  });
}

bool SafetensorsFile::contains(const std::string& name) const {
  return std::any_of(tensors.begin(), tensors.end(), [&](const auto& p) { return p.first == name; });
}

const Tensor& SafetensorsFile::at(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  fail(str_cat("safetensors file '", path, "' has no tensor named '", name, "' (it holds ", tensors.size(),
               " tensors)"));
}

}  // namespace linattn
