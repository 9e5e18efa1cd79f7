# `cmake --install build` (GNUInstallDirs): the stripped binaries (the program and its watchdog
# daemon), the man pages, bash and zsh completion, the documentation and the example. The Debian
# package installs exactly this (scripts/package.sh).

# The binaries are 100 MB and 36 MB with their debug information; a server gets them stripped, always (not only with
# `--strip`): this sets the variable `--strip` would set, before the binary's own install step reads it.
option(CSD_STRIP_ON_INSTALL "strip the binary on install" ON)
if(CSD_STRIP_ON_INSTALL)
  install(CODE "set(CMAKE_INSTALL_DO_STRIP 1)")
endif()
install(TARGETS conda-systemd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# What `conda-systemd watchdog` replaces itself with (docs/architecture.md, "Linking"); never run by hand.
install(TARGETS conda-systemd-watchdog RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/conda-systemd)

set(CSD_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/conda-systemd)
install(FILES README.md DESTINATION ${CSD_DOC_DIR})
install(DIRECTORY docs/ DESTINATION ${CSD_DOC_DIR}/docs FILES_MATCHING PATTERN "*.md")
install(DIRECTORY examples/mes-dashboard DESTINATION ${CSD_DOC_DIR}/examples
        PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE PATTERN ".gitignore" EXCLUDE)

install(FILES ${CSD_MAN_DIR}/conda-systemd.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CSD_MAN_DIR}/conda-systemd.contract.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${CSD_MAN_DIR}/conda-systemd.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME conda-systemd)
install(FILES ${CSD_MAN_DIR}/_conda-systemd DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
