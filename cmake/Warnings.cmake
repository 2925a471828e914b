# Warnings.cmake — the warning set every linattn target compiles with (interface target
# `linattn_warnings`), and the sanitizer flags when LINATTN_SANITIZE is on.
add_library(linattn_warnings INTERFACE)
target_compile_options(linattn_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                            -Wcast-align -Wunused -Woverloaded-virtual -Wformat=2
                            -Wimplicit-fallthrough>)
if(LINATTN_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_compile_options(linattn_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:${_san}>)
  target_link_options(linattn_warnings INTERFACE ${_san})
endif()
