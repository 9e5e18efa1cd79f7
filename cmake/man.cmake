# conda-systemd(1), conda-systemd.contract(5) and the bash and zsh completions, generated at build time
# by man/mangen from the CLI11 app itself and docs/*.md, so they cannot drift from --help or the
# contract's documentation.
file(GLOB MANGEN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/man/*.cc)
add_executable(mangen ${MANGEN_SOURCES})
target_include_directories(mangen PRIVATE ${CMAKE_SOURCE_DIR})
target_link_libraries(mangen PRIVATE csd_cli)

set(CSD_MAN_DIR ${CMAKE_BINARY_DIR}/man)
set(CSD_MAN_PAGES ${CSD_MAN_DIR}/conda-systemd.1 ${CSD_MAN_DIR}/conda-systemd.contract.5
                  ${CSD_MAN_DIR}/conda-systemd.bash ${CSD_MAN_DIR}/_conda-systemd)
add_custom_command(OUTPUT ${CSD_MAN_PAGES}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CSD_MAN_DIR}
  COMMAND mangen ${CMAKE_SOURCE_DIR} ${CSD_MAN_DIR}
  DEPENDS mangen ${CMAKE_SOURCE_DIR}/docs/contract.md ${CMAKE_SOURCE_DIR}/docs/cli.md
          ${CMAKE_SOURCE_DIR}/docs/exit-codes.md
  COMMENT "man pages and completions from the command line and docs/")
add_custom_target(csd_man ALL DEPENDS ${CSD_MAN_PAGES})

# docs/contract.md names exactly the keys the parser accepts; the pages render without a warning and
# name every option --help shows.
add_test(NAME man.contract-doc COMMAND mangen --check ${CMAKE_SOURCE_DIR})
add_test(NAME man.pages COMMAND ${CMAKE_SOURCE_DIR}/tests/man/man_test.sh $<TARGET_FILE:conda-systemd>
                                $<TARGET_FILE:mangen> ${CSD_MAN_DIR})
set_tests_properties(man.contract-doc man.pages PROPERTIES LABELS unit)

# bash completes a subcommand, an option, an installed contract's name and a contract's units.
add_test(NAME completion.bash COMMAND ${CMAKE_SOURCE_DIR}/tests/man/completion_test.sh ${CSD_MAN_DIR})
set_tests_properties(completion.bash PROPERTIES LABELS unit)
