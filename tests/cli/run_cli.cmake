# Runs ptverify with ARGS (a ;-list) in WORKDIR, prints its output, and fails unless the exit
# code equals EXPECT. The caller's PASS/FAIL regular expressions match the printed output.
execute_process(COMMAND ${BIN} ${ARGS} WORKING_DIRECTORY ${WORKDIR}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
message("stderr: ${err}")
message("EXIT=${rc}")
if(NOT "${rc}" STREQUAL "${EXPECT}")
  message(FATAL_ERROR "expected exit ${EXPECT}, got ${rc}")
endif()
