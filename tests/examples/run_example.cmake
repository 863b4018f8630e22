# Runs an example script and compares its standard output with the expected file.
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env SHADEKV_BIN_DIR=${BIN_DIR} bash ${SCRIPT}
  OUTPUT_VARIABLE actual
  ERROR_VARIABLE errors
  RESULT_VARIABLE rc
  TIMEOUT 150)
file(READ ${EXPECTED} expected)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SCRIPT} exited with ${rc}\n--- stdout:\n${actual}\n--- stderr:\n${errors}")
endif()
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "${SCRIPT} printed something else than ${EXPECTED}\n--- expected:\n${expected}\n--- actual:\n${actual}\n--- stderr:\n${errors}")
endif()
message(STATUS "${SCRIPT}: output as expected")
