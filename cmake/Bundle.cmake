# Bundle.cmake — link settings for the self-contained GPU bundle (LINATTN_BUNDLE=ON), used by
# scripts/gpu_bundle to build binaries that run on the GPU machine, which has CUDA 13 (cuBLAS,
# the driver) but none of our Debian -dev packages (docs/gpu.md, BUILD_NOTES.md).
#
# What it does, for every executable of the project:
#  - yaml-cpp is linked statically (Debian ships libyaml-cpp.a built with -fPIC);
#  - the CUDA runtime is static (cmake's default; linattn_cuda links CUDA::cudart_static),
#    spdlog/fmt are header-only already (cmake/Dependencies.cmake), cuBLAS stays dynamic;
#  - the only search path baked in is RPATH (not RUNPATH: --disable-new-dtags)
#    $ORIGIN/../lib:$ORIGIN/lib — the bundle's lib/ beside its bin/ (or a lib/ beside a binary),
#    where scripts/gpu_bundle copies OpenBLAS, libgfortran, libquadmath and libgomp. DT_RPATH
#    also serves the libraries' own dependencies (libopenblas -> libgfortran); DT_RUNPATH would
#    not. cuBLAS is found through LD_LIBRARY_PATH, set by the bundle's launcher.
# Included from the top-level CMakeLists.txt after the libraries and before tests/ and bench/.
if(NOT LINATTN_HAS_CUDA)
  message(FATAL_ERROR "LINATTN_BUNDLE=ON needs the CUDA backend (LINATTN_CUDA=ON and nvcc)")
endif()

set(LINATTN_YAML_CPP_STATIC "/usr/lib/x86_64-linux-gnu/libyaml-cpp.a" CACHE FILEPATH
    "Static yaml-cpp archive linked into the bundle's binaries")
if(NOT EXISTS "${LINATTN_YAML_CPP_STATIC}")
  message(FATAL_ERROR "LINATTN_BUNDLE: no static yaml-cpp at ${LINATTN_YAML_CPP_STATIC} (apt-get install libyaml-cpp-dev)")
endif()
# The imported target (Debian's config knows only the configuration "None") now names the archive.
set_target_properties(yaml-cpp PROPERTIES
  IMPORTED_LOCATION "${LINATTN_YAML_CPP_STATIC}"
  IMPORTED_LOCATION_NONE "${LINATTN_YAML_CPP_STATIC}"
  IMPORTED_LOCATION_RELEASE "${LINATTN_YAML_CPP_STATIC}"
  IMPORTED_SONAME ""
  IMPORTED_SONAME_NONE ""
  IMPORTED_SONAME_RELEASE "")

# Debian's spdlog_header_only drags in the shared fmt::fmt; header-only fmt needs no library.
set_property(TARGET spdlog::spdlog_header_only PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads fmt::fmt-header-only)

set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
# No build-tree search paths (they would name this machine's folders); only the bundle's lib/.
set(CMAKE_SKIP_BUILD_RPATH ON)  # targets made from here on (tests/, bench/)
get_property(_linattn_targets DIRECTORY PROPERTY BUILDSYSTEM_TARGETS)  # and those made before
foreach(_t ${_linattn_targets})
  get_target_property(_type ${_t} TYPE)
  if(_type STREQUAL "EXECUTABLE")
    set_target_properties(${_t} PROPERTIES SKIP_BUILD_RPATH ON)
  endif()
endforeach()
set(CMAKE_EXE_LINKER_FLAGS "${CMAKE_EXE_LINKER_FLAGS} -Wl,--disable-new-dtags -Wl,-rpath,\\$ORIGIN/../lib:\\$ORIGIN/lib")
message(STATUS "linattn: bundle link (static yaml-cpp + cudart, RPATH \$ORIGIN/../lib:\$ORIGIN/lib)")
