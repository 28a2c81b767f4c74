# The JSON Schemas of ptverify's JSON outputs (docs/schema/): every committed output (the CLI
# goldens and the saved reports under tests/fixtures/) and every kind of JSON the built binary
# writes now must match its schema. Skipped visibly (exit 77) where the Python module jsonschema
# (python3-jsonschema) is not installed.
add_test(NAME schema/golden COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/committed_json.py ${PROJECT_SOURCE_DIR})
set_tests_properties(schema/golden PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
  FAIL_REGULAR_EXPRESSION "^not ok|\nnot ok")
add_test(NAME schema/written COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/written_json.sh)
set_tests_properties(schema/written PROPERTIES ENVIRONMENT "PTV=$<TARGET_FILE:ptverify>" SKIP_RETURN_CODE 77
  FAIL_REGULAR_EXPRESSION "^not ok|\nnot ok" TIMEOUT 600)
