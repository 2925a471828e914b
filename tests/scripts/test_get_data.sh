#!/usr/bin/env bash
# tests/scripts/test_get_data.sh — scripts/get_data against a local HTTP server on 127.0.0.1
# (Python's http.server on a free port) serving a small generated archive in the official
# CIFAR-10 binary layout (cifar-10-batches-bin/ with a few 3073-byte records per batch file),
# with the URL and MD5 replaced through LINATTN_CIFAR10_URL / LINATTN_CIFAR10_MD5:
#   - a good archive is verified and unpacked into ROOT/cifar10/cifar-10-batches-bin, byte for
#     byte, with the LINATTN_DATA line printed and no temporary files left; a second run keeps it;
#   - a checksum mismatch, an unreachable server and a missing file (HTTP 404) fail with a clear
#     message and leave nothing behind in the data root;
#   - an unknown dataset name fails and lists the known ones; `coco` prints the manual layout.
# Exit 77 (skipped) without /usr/bin/python3. Registered in tests/CMakeLists.txt (label unit).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
get_data="$here/../../scripts/get_data"
python=/usr/bin/python3
[[ -x "$python" ]] || { echo "SKIP: no $python"; exit 77; }
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"

work="$(mktemp -d "${TMPDIR:-/tmp}/linattn-get-data.XXXXXX")"
server_pid=""
cleanup() {
  [[ -z "$server_pid" ]] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
check() {  # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
contains() { grep -qF -- "$2" <<<"$1"; }
empty_dir() { [[ -z "$(ls -A "$1")" ]]; }

# The archive: 5 training batches of 3 records and a test batch of 4, each record 1 label byte
# and 3072 pixel bytes (R, G, B planes of 32x32), plus the archive's other two files.
mkdir -p "$work/src/cifar-10-batches-bin" "$work/srv"
"$python" - "$work/src/cifar-10-batches-bin" <<'EOF'
import os, sys
d = sys.argv[1]
def batch(name, n, seed):
    out = bytearray()
    for r in range(n):
        out.append((seed + r) % 10)                       # label
        out += bytes((seed * 31 + r * 7 + i) % 256 for i in range(3072))
    with open(os.path.join(d, name), "wb") as f:
        f.write(out)
for b in range(1, 6):
    batch(f"data_batch_{b}.bin", 3, b)
batch("test_batch.bin", 4, 9)
with open(os.path.join(d, "batches.meta.txt"), "w") as f:
    f.write("\n".join(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n")
with open(os.path.join(d, "readme.html"), "w") as f:
    f.write("<html></html>\n")
EOF
tar -czf "$work/srv/cifar-10-binary.tar.gz" -C "$work/src" cifar-10-batches-bin
md5="$(md5sum "$work/srv/cifar-10-binary.tar.gz" | cut -d' ' -f1)"

# The server: binds port 0 (the system picks a free port) and writes the port to a file.
"$python" - "$work/srv" "$work/port" >"$work/server.log" 2>&1 <<'EOF' &
import functools, http.server, os, sys
directory, port_file = sys.argv[1], sys.argv[2]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
EOF
server_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
[[ -s "$work/port" ]] || { echo "FAILED: the local HTTP server did not start"; cat "$work/server.log"; exit 1; }
url="http://127.0.0.1:$(cat "$work/port")/cifar-10-binary.tar.gz"

run_get_data() {  # run_get_data URL MD5 ARGS... -> sets $out and $rc
  rc=0
  out="$(LINATTN_CIFAR10_URL="$1" LINATTN_CIFAR10_MD5="$2" bash "$get_data" "${@:3}" 2>&1)" || rc=$?
}

# 1. The good archive.
run_get_data "$url" "$md5" --root "$work/root" cifar10
echo "$out"
dest="$work/root/cifar10/cifar-10-batches-bin"
check "exit 0" test "$rc" -eq 0
for f in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin \
         batches.meta.txt; do
  check "$f unpacked byte for byte" cmp -s "$work/src/cifar-10-batches-bin/$f" "$dest/$f"
done
check "data_batch_1.bin holds 3 records" test "$(stat -c %s "$dest/data_batch_1.bin")" -eq $((3 * 3073))
check "prints the final path" contains "$out" "$dest"
check "prints how to set LINATTN_DATA" contains "$out" "LINATTN_DATA=$work/root"
check "no temporary files left" test -z "$(find "$work/root" -name '.get_data*')"
check "nothing but cifar10/ in the data root" test "$(ls -A "$work/root")" = "cifar10"

# 2. A second run keeps what is there (and does not download).
run_get_data "http://127.0.0.1:1/never" "$md5" --root "$work/root" cifar10
check "second run: exit 0" test "$rc" -eq 0
check "second run: says it is already there" contains "$out" "already in $dest"

# 3. Checksum mismatch: an error naming both sums, nothing kept.
mkdir -p "$work/root2"
run_get_data "$url" "00000000000000000000000000000000" --root "$work/root2" cifar10
echo "$out"
check "mismatch: non-zero exit" test "$rc" -ne 0
check "mismatch: says so" contains "$out" "checksum mismatch"
check "mismatch: names the expected MD5" contains "$out" "expected 00000000000000000000000000000000"
check "mismatch: names the MD5 it got" contains "$out" "MD5 $md5"
check "mismatch: leaves nothing behind" empty_dir "$work/root2"

# 4. No server on the port (port 1 is never served to an unprivileged test), and a 404.
run_get_data "http://127.0.0.1:1/cifar-10-binary.tar.gz" "$md5" --root "$work/root2" cifar10
echo "$out"
check "no network: non-zero exit" test "$rc" -ne 0
check "no network: says it could not download" contains "$out" "could not download http://127.0.0.1:1/"
check "no network: leaves nothing behind" empty_dir "$work/root2"
run_get_data "${url%/*}/missing.tar.gz" "$md5" --root "$work/root2" cifar10
check "404: non-zero exit" test "$rc" -ne 0
check "404: says it could not download" contains "$out" "could not download"
check "404: leaves nothing behind" empty_dir "$work/root2"

# 5. Unknown dataset names, and the manual COCO instructions.
run_get_data "$url" "$md5" --root "$work/root2" imagenet
check "unknown dataset: non-zero exit" test "$rc" -ne 0
check "unknown dataset: named" contains "$out" "unknown dataset 'imagenet'"
check "unknown dataset: lists cifar10" contains "$out" "cifar10"
check "unknown dataset: lists coco" contains "$out" "coco"
run_get_data "$url" "$md5" --root "$work/root2" coco
check "coco: exit 0" test "$rc" -eq 0
check "coco: the official annotations" contains "$out" "annotations_trainval2017.zip"
check "coco: the layout" contains "$out" "annotations/instances_train2017.json"
check "coco: downloads nothing" empty_dir "$work/root2"

if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
echo "all get_data checks passed"
