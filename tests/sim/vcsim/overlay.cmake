# Writes the `go build -overlay` of the harness (README.md, "Property updates", "Event pages"):
# patched copies of govmomi's simulator/property_collector.go and simulator/event_manager.go, and
# the overlay.json that substitutes them for the Debian files, which stay untouched. The patches:
#   * WaitForUpdatesEx looks for updates every `vmfabricUpdateInterval`
#     (overlay/simulator/update_interval.go) instead of every 250 ms;
#   * WaitForUpdatesEx honours WaitOptions.maxObjectUpdates: the simulator's own becomes
#     waitForUpdatesEx, called through vmfabricTruncation.next
#     (overlay/simulator/max_object_updates.go), which returns truncated update sets;
#   * apply runs once per tick (overlay/simulator/apply_once.go) and collects properties only for
#     the objects a filter has not reported yet (overlay/simulator/apply_unreported.go);
#   * a tick reports each modified object once, with its latest values
#     (overlay/simulator/coalesce.go);
#   * an EventHistoryCollector's page, when created or resized, holds exactly the newest `size`
#     matching events, in the order PostEvent expects, and the collectors' pages have a lock of
#     their own, so that posting an event while a collector is resized or destroyed does not
#     deadlock (overlay/simulator/event_page.go).
# Each file of SOURCES is appended, from its marker line on, to the copy its marker names. Fails
# when a pattern is not found exactly once (another govmomi version): the patch must then be
# looked at again, never silently skipped.
#
#   cmake -DSIMULATOR_DIR=<govmomi>/simulator "-DSOURCES=<file>;<file>" -DOUT_DIR=<dir> -P overlay.cmake
foreach(var SIMULATOR_DIR SOURCES OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "overlay.cmake: -D${var}=... is required")
  endif()
endforeach()

# The simulator's files patched here: each one's text is in the variable of its name, without .go.
set(patched property_collector event_manager)
foreach(name IN LISTS patched)
  file(READ ${SIMULATOR_DIR}/${name}.go ${name})
endforeach()

# Replaces `pattern` by `replacement` in the text of ${name}.go, which must hold it exactly once.
function(replace_once name pattern replacement)
  string(LENGTH "${${name}}" before)
  string(REPLACE "${pattern}" "" removed "${${name}}")
  string(LENGTH "${removed}" after)
  string(LENGTH "${pattern}" length)
  math(EXPR count "(${before} - ${after}) / ${length}")
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${SIMULATOR_DIR}/${name}.go: expected `${pattern}` exactly once, found it "
                        "${count} times: govmomi or the overlay changed, update "
                        "tests/sim/vcsim/overlay.cmake")
  endif()
  string(REPLACE "${pattern}" "${replacement}" out "${${name}}")
  set(${name} "${out}" PARENT_SCOPE)
endfunction()

# WaitForUpdatesEx's ticker ("allow for updates to accumulate").
replace_once(property_collector "time.NewTicker(250 * time.Millisecond)"
             "time.NewTicker(vmfabricUpdateInterval)")
# The one import update_interval.go needs that property_collector.go lacks.
replace_once(property_collector "\npackage simulator\n\nimport (\n"
             "\npackage simulator\n\nimport vmfabricos \"os\"\n\nimport (\n")
# Where a collector keeps the rest of a truncated update set.
replace_once(property_collector "\tcancel  context.CancelFunc\n}\n"
             "\tcancel  context.CancelFunc\n\n\tvmfabricTruncated vmfabricTruncation\n}\n")
# WaitForUpdatesEx goes through vmfabricTruncation.next; the simulator's own is renamed.
set(wait_parameters "(ctx *Context, r *types.WaitForUpdatesEx) soap.HasFault {\n")
set(truncating_wait "\treturn pc.vmfabricTruncated.next(r, func() soap.HasFault { return pc.waitForUpdatesEx(ctx, r) })\n}\n")
replace_once(property_collector "func (pc *PropertyCollector) WaitForUpdatesEx${wait_parameters}"
             "func (pc *PropertyCollector) WaitForUpdatesEx${wait_parameters}${truncating_wait}\nfunc (pc *PropertyCollector) waitForUpdatesEx${wait_parameters}")
# Once per tick, the re-collection of the filters' objects (apply_once.go).
replace_once(property_collector "\t\t\tfor _, f := range pc.Filter {\n"
             "\t\t\tvmfabricApplied := false\n\t\t\tfor _, f := range pc.Filter {\n")
replace_once(property_collector "if !apply() {\n" "if !vmfabricApplyOnce(&vmfabricApplied, apply) {\n")
replace_once(property_collector "if !apply() { // An update may apply to collector traversal specs"
             "if !vmfabricApplyOnce(&vmfabricApplied, apply) { // An update may apply to collector traversal specs")
# apply collects properties only for the objects a filter has not reported yet
# (apply_unreported.go): collect becomes vmfabricCollect, with a predicate on the selected objects.
set(collect_signature "(ctx *Context, r *types.RetrievePropertiesEx) (*types.RetrieveResult, types.BaseMethodFault) {\n")
set(collect_result "(*types.RetrieveResult, types.BaseMethodFault)")
replace_once(property_collector "func (pc *PropertyCollector) collect${collect_signature}"
             "func (pc *PropertyCollector) collect${collect_signature}\treturn pc.vmfabricCollect(ctx, r, nil)\n}\n\n// vmfabricCollect is collect for the selected objects `want` accepts (all when nil).\nfunc (pc *PropertyCollector) vmfabricCollect(ctx *Context, r *types.RetrievePropertiesEx, want func(types.ManagedObjectReference) bool) ${collect_result} {\n")
replace_once(property_collector "\t\tctx.WithLock(ref, func() { rr.collect(ctx, ref) })\n"
             "\t\tif want != nil && !want(ref) {\n\t\t\tcontinue\n\t\t}\n\t\tctx.WithLock(ref, func() { rr.collect(ctx, ref) })\n")
replace_once(property_collector "r.SpecSet = append(r.SpecSet, filter.Spec)\n\n\t\tres, fault := pc.collect(ctx, r)\n"
             "r.SpecSet = append(r.SpecSet, filter.Spec)\n\n\t\tres, fault := pc.vmfabricCollect(ctx, r, vmfabricUnreported(filter.refs))\n")
# The walk looks an object up only to traverse from it: not when there is nothing to traverse.
replace_once(property_collector "\t\t\trval, ok := getObject(ctx, ref)\n"
             "\t\t\tif len(ts.SelectSet) == 0 {\n\t\t\t\tcontinue\n\t\t\t}\n\t\t\trval, ok := getObject(ctx, ref)\n")
# A tick reports a modified object once, with its latest values (coalesce.go).
replace_once(property_collector "\t\t\t\tif len(fu.ObjectSet) != 0 {\n\t\t\t\t\tset.FilterSet = append(set.FilterSet, fu)\n"
             "\t\t\t\tfu.ObjectSet = vmfabricCoalesce(fu.ObjectSet)\n\t\t\t\tif len(fu.ObjectSet) != 0 {\n\t\t\t\t\tset.FilterSet = append(set.FilterSet, fu)\n")

# fillPage (CreateCollectorForEvents, SetCollectorPageSize) calls vmfabricFillPage
# (event_page.go); govmomi's body stays, unused, under another name.
set(fill_page "func (c *EventHistoryCollector) fillPage(size int) {\n")
replace_once(event_manager "${fill_page}"
             "${fill_page}\tc.vmfabricFillPage(size)\n}\n\n// govmomiFillPage is govmomi's fillPage, replaced: it scrambles a grown page and keeps what it\n// removes from a shrunk one (tests/sim/vcsim/overlay/simulator/event_page.go).\nfunc (c *EventHistoryCollector) govmomiFillPage(size int) {\n")

# The collectors' pages are guarded by vmfabricEventPages, not by each collector's lock, which
# PostEvent took holding the EventManager's: SetCollectorPageSize and DestroyCollector take them
# in the other order (event_page.go). PostEvent calls vmfabricPost; GetLatestPage and Get take
# vmfabricEventPages, govmomi's GetLatestPage becoming vmfabricLatestPage for callers holding it.
replace_once(event_manager "\npackage simulator\n\nimport (\n"
             "\npackage simulator\n\nimport vmfabricsync \"sync\"\n\nimport (\n")
replace_once(event_manager "\t\tctx.WithLock(c, func() {\n\t\t\tif c.eventMatches(req.EventToPost) {\n\t\t\t\tc.page = c.page.Prev()\n\t\t\t\tc.page.Value = req.EventToPost\n\t\t\t\tMap.Update(c, []types.PropertyChange{{Name: \"latestPage\", Val: c.GetLatestPage()}})\n\t\t\t}\n\t\t})\n"
             "\t\tc.vmfabricPost(req.EventToPost)\n")
set(latest_page "func (c *EventHistoryCollector) GetLatestPage() []types.BaseEvent {\n")
replace_once(event_manager "${latest_page}"
             "${latest_page}\tvmfabricEventPages.Lock()\n\tdefer vmfabricEventPages.Unlock()\n\treturn c.vmfabricLatestPage()\n}\n\n// vmfabricLatestPage is govmomi's GetLatestPage, for callers holding vmfabricEventPages.\nfunc (c *EventHistoryCollector) vmfabricLatestPage() []types.BaseEvent {\n")
replace_once(event_manager "\tclone := *c\n\n\tclone.LatestPage = clone.GetLatestPage()\n"
             "\tvmfabricEventPages.Lock()\n\tdefer vmfabricEventPages.Unlock()\n\tclone := *c\n\n\tclone.LatestPage = clone.vmfabricLatestPage()\n")

# Each source from its marker line on, appended to the patched file the marker names.
set(marker_regex "\n// vmfabric: appended to ([a-z_]+)\\.go from here on\\.\n")
foreach(source IN LISTS SOURCES)
  file(READ ${source} code)
  string(REGEX MATCHALL "${marker_regex}" markers "${code}")
  list(LENGTH markers count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${source}: expected one marker line `// vmfabric: appended to <file>.go "
                        "from here on.`, found ${count}")
  endif()
  string(REGEX MATCH "${marker_regex}" marker "${code}")
  set(target ${CMAKE_MATCH_1})
  list(FIND patched ${target} index)
  if(index EQUAL -1)
    message(FATAL_ERROR "${source}: appends to ${target}.go, which overlay.cmake does not patch")
  endif()
  string(FIND "${code}" "${marker}" at)
  string(LENGTH "${marker}" length)
  math(EXPR at "${at} + ${length}")
  string(SUBSTRING "${code}" ${at} -1 tail)
  file(RELATIVE_PATH relative ${CMAKE_CURRENT_LIST_DIR} ${source})
  string(APPEND ${target} "\n// Appended from tests/sim/vcsim/${relative}.\n${tail}")
endforeach()

file(MAKE_DIRECTORY ${OUT_DIR})
set(replace "")
foreach(name IN LISTS patched)
  file(WRITE ${OUT_DIR}/${name}.go "${${name}}")
  list(APPEND replace "\"${SIMULATOR_DIR}/${name}.go\": \"${OUT_DIR}/${name}.go\"")
endforeach()
list(JOIN replace ", " replace)
file(WRITE ${OUT_DIR}/overlay.json "{\"Replace\": {${replace}}}\n")
