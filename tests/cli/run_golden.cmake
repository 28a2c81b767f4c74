# Runs ptverify with ARGS (a ;-list) in WORKDIR and compares its stdout with the file GOLDEN,
# after masking what legitimately changes between runs (the check's wall time). Fails unless
# the exit code equals EXPECT. With -DUPDATE=ON it rewrites GOLDEN instead (review the diff).
execute_process(COMMAND ${BIN} ${ARGS} WORKING_DIRECTORY ${WORKDIR}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE ", [0-9]+\\.[0-9]+ s\n" ", TIME s\n" out "${out}")
if(NOT "${rc}" STREQUAL "${EXPECT}")
  message("${out}")
  message(FATAL_ERROR "expected exit ${EXPECT}, got ${rc}; stderr: ${err}")
endif()
if(UPDATE)
  file(WRITE ${GOLDEN} "${out}")
  message("updated ${GOLDEN}")
  return()
endif()
file(READ ${GOLDEN} want)
if(NOT out STREQUAL want)
  file(WRITE ${GOLDEN}.actual "${out}")
  message("--- output differs from ${GOLDEN}; got (also in ${GOLDEN}.actual):\n${out}")
  message(FATAL_ERROR "golden mismatch: diff ${GOLDEN} ${GOLDEN}.actual")
endif()
message("matches ${GOLDEN}")
