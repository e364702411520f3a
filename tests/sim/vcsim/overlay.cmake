# Writes the `go build -overlay` of the harness (README.md, "Property updates"): a patched copy of
# govmomi's simulator/property_collector.go whose WaitForUpdatesEx looks for updates every
# `vmfabricUpdateInterval` (defined in overlay/simulator/update_interval.go, appended to the
# copy) instead of every 250 ms, and the overlay.json that substitutes it for the Debian file,
# which stays untouched. Fails when a pattern is not found exactly once (another govmomi
# version): the patch must then be looked at again, never silently skipped.
#
#   cmake -DSIMULATOR_DIR=<govmomi>/simulator -DINTERVAL_SOURCE=<file> -DOUT_DIR=<dir> -P overlay.cmake
foreach(var SIMULATOR_DIR INTERVAL_SOURCE OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "overlay.cmake: -D${var}=... is required")
  endif()
endforeach()

# Replaces `pattern` by `replacement` in the variable named `var`, which must hold it exactly once.
function(replace_once var file pattern replacement)
  string(LENGTH "${${var}}" before)
  string(REPLACE "${pattern}" "" removed "${${var}}")
  string(LENGTH "${removed}" after)
  string(LENGTH "${pattern}" length)
  math(EXPR count "(${before} - ${after}) / ${length}")
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${file}: expected `${pattern}` exactly once, found it ${count} times: "
                        "govmomi or the overlay changed, update tests/sim/vcsim/overlay.cmake")
  endif()
  string(REPLACE "${pattern}" "${replacement}" out "${${var}}")
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

set(original ${SIMULATOR_DIR}/property_collector.go)
file(READ ${original} text)
file(READ ${INTERVAL_SOURCE} interval)

# WaitForUpdatesEx's ticker ("allow for updates to accumulate").
replace_once(text ${original} "time.NewTicker(250 * time.Millisecond)"
             "time.NewTicker(vmfabricUpdateInterval)")
# The one import update_interval.go needs that property_collector.go lacks.
replace_once(text ${original} "\npackage simulator\n\nimport (\n"
             "\npackage simulator\n\nimport vmfabricos \"os\"\n\nimport (\n")
# update_interval.go from its marker line on.
set(marker "// vmfabric: appended to property_collector.go from here on.\n")
replace_once(interval ${INTERVAL_SOURCE} "${marker}" "@@MARKER@@")
string(FIND "${interval}" "@@MARKER@@" at)
string(SUBSTRING "${interval}" ${at} -1 appended)
string(REPLACE "@@MARKER@@" "\n// Appended from tests/sim/vcsim/overlay/simulator/update_interval.go.\n" appended
       "${appended}")

file(MAKE_DIRECTORY ${OUT_DIR})
file(WRITE ${OUT_DIR}/property_collector.go "${text}${appended}")
file(WRITE ${OUT_DIR}/overlay.json
     "{\"Replace\": {\"${original}\": \"${OUT_DIR}/property_collector.go\"}}\n")
