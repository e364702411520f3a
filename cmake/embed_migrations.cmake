# Writes OUTPUT: a C++ source holding every schema/NNN_name.sql migration, in order, so the
# daemon carries its schema with it. Run by the store target (cmake -P) when a migration changes.
file(GLOB files "${SCHEMA_DIR}/[0-9][0-9][0-9]_*.sql")
list(SORT files)
set(body "")
set(expected 1)
foreach(file IN LISTS files)
  get_filename_component(name "${file}" NAME_WE)
  string(SUBSTRING "${name}" 0 3 number)
  string(SUBSTRING "${name}" 4 -1 label)
  math(EXPR version "${number}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "schema migrations must be numbered 001, 002, ... without gaps: ${name}")
  endif()
  math(EXPR expected "${expected} + 1")
  file(READ "${file}" sql)
  string(APPEND body "    {${version}, \"${label}\", R\"vmfabric_sql(${sql})vmfabric_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from schema/*.sql by cmake/embed_migrations.cmake. Do not edit.
#include \"store/migrations.h\"

namespace vmfabric {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
${body}  };
  return all;
}

}  // namespace vmfabric
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${OUTPUT}.tmp")
