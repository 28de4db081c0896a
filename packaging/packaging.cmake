# `cpack -G DEB` in the build directory: build/leadd_VERSION_ARCH.deb.
# Dependencies come from the binaries (dpkg-shlibdeps) plus what the
# maintainer scripts run: systemd-sysusers and systemd-tmpfiles (systemd)
# and deb-systemd-helper/-invoke (init-system-helpers), and what the unit
# runs: /bin/kill for ExecReload= (procps; not in a minimal Debian root).

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME leadd)
set(CPACK_PACKAGE_VENDOR "the leadd authors")
set(CPACK_PACKAGE_CONTACT "leadd maintainers <maintainers@users.noreply.r-seed-cbfaeee3.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "lead-management server for sales teams, with its CLI")
set(CPACK_PACKAGE_DESCRIPTION
  "leadd keeps a sales team's leads, client folders, contacts and their status\n"
  "history in LMDB and serves them over a compact protobuf protocol, as a\n"
  "hardened systemd service. lead is its command-line client and leadtop a\n"
  "live dashboard for the terminal. Every business rule lives in the server.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, init-system-helpers (>= 1.52), procps")
set(CPACK_STRIP_FILES ON)

# Install into the staging root with DESTDIR and the configured prefix, so
# the absolute destinations (/etc, /lib/systemd/system) land in the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})

# dpkg keeps an admin's edits of a conffile across upgrades and asks
# before replacing it; purge removes it.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/conffiles "${LEADD_CONF_FILE}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_BINARY_DIR}/conffiles
  ${CMAKE_CURRENT_SOURCE_DIR}/postinst
  ${CMAKE_CURRENT_SOURCE_DIR}/prerm
  ${CMAKE_CURRENT_SOURCE_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# Only the .deb: no source archives from this build directory.
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR})
include(CPack)
