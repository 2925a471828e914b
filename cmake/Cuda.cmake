# Cuda.cmake — decides whether the CUDA backend is built (LINATTN_CUDA = AUTO | ON | OFF) and
# sets LINATTN_HAS_CUDA. AUTO builds it wherever nvcc is found; no GPU is needed to compile.
# Facts behind the choices (BUILD_NOTES.md): CMake 3.25 knows no CUDA20 dialect, so we declare
# its flag (-std=c++20, which nvcc 13 + g++ 12 accept); `native` architectures fail without a GPU, so we default to 90
# (H100/H200).
include(CheckLanguage)
set(LINATTN_HAS_CUDA OFF)
if(NOT LINATTN_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    # CMake 3.25 has no CUDA20 dialect entry, though nvcc 13 + g++ 12 compile C++20: teach it.
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_FLAGS "${CMAKE_CUDA_FLAGS} --expt-relaxed-constexpr -Xcompiler=-Wall,-Wextra")
    set(LINATTN_HAS_CUDA ON)
    message(STATUS "linattn: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, sm_${CMAKE_CUDA_ARCHITECTURES})")
  elseif(LINATTN_CUDA STREQUAL "ON")
    message(FATAL_ERROR "LINATTN_CUDA=ON but no CUDA compiler was found (looked for nvcc on PATH and /usr/local/cuda/bin/nvcc)")
  else()
    message(STATUS "linattn: CUDA backend OFF (no nvcc found)")
  endif()
else()
  message(STATUS "linattn: CUDA backend OFF (LINATTN_CUDA=OFF)")
endif()
