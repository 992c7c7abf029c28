# devtrack_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds one DevTrack plugin: a MODULE library named <name>.so that exports
# only `devtrack_plugin_entry` (version script + hidden visibility), linked
# against the SDK headers. Used in tree and, through the installed
# DevTrackSDK package, by third-party plugins out of tree.
include_guard(GLOBAL)

set(_devtrack_plugin_cmake_dir "${CMAKE_CURRENT_LIST_DIR}")

function(devtrack_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIRECTORY;INSTALL_DESTINATION" "SOURCES;LIBRARIES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "devtrack_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE DevTrack::sdk ${arg_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(NOT APPLE AND NOT WIN32)
    target_link_options(${name} PRIVATE
      "LINKER:--version-script=${_devtrack_plugin_cmake_dir}/plugin.version"
      "LINKER:--no-undefined")
    set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${_devtrack_plugin_cmake_dir}/plugin.version")
  endif()
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
  endif()
  if(arg_INSTALL_DESTINATION)
    install(TARGETS ${name} LIBRARY DESTINATION "${arg_INSTALL_DESTINATION}")
  endif()
endfunction()
