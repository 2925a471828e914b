# Dependencies.cmake — finds every third-party dependency (all Debian 12 packages, listed in
# scripts/packages.txt and installed by scripts/setup). Nothing is downloaded at build time.
#
# Targets provided: yaml-cpp, linattn_spdlog (spdlog + fmt, header-only), doctest::doctest,
# stb_headers, PkgConfig::OPENBLAS, nlohmann_json::nlohmann_json, OpenMP::OpenMP_CXX.
find_package(PkgConfig REQUIRED)

find_package(yaml-cpp REQUIRED)            # 0.7: target `yaml-cpp`, no namespace
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)

# spdlog/fmt header-only: the same objects link in a portable (bundled) build.
add_library(linattn_spdlog INTERFACE)
target_link_libraries(linattn_spdlog INTERFACE spdlog::spdlog_header_only fmt::fmt-header-only)

find_path(STB_INCLUDE_DIR stb/stb_image.h PATHS /usr/include REQUIRED)
add_library(stb_headers INTERFACE)
target_include_directories(stb_headers SYSTEM INTERFACE ${STB_INCLUDE_DIR})

if(LINATTN_TESTS)
  find_package(doctest REQUIRED)
endif()
