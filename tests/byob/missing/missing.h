/* needs-missing: never included (its pkg-config module is missing). */
#error "needs-missing must not be compiled"
