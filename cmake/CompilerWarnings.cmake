# Warnings as an INTERFACE target, linked PRIVATE by every project target (never PUBLIC flags,
# never -Werror: a newer compiler must not break a user's build).
add_library(ptv_warnings INTERFACE)
target_compile_options(ptv_warnings INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
  -Woverloaded-virtual -Wpedantic -Wformat=2 -Wimplicit-fallthrough
  -Wconversion -Wsign-conversion -Wold-style-cast)
