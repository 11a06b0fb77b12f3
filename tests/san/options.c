/*
 * options.c - linked into the sanitized programs and CGIs only
 * (build/san/bin, build/san/cgi).  Postfix's pipe(8) and lighttpd start them
 * with an environment of their own, so ASAN_OPTIONS cannot reach them; the
 * defaults compiled in here send every report to a file under
 * WM_SAN_LOG_DIR (tests/out/san), where tests/run looks for them.
 * Leak checking is off: the programs exit right after their work and free
 * what matters; memory errors and undefined behaviour are what is sought.
 */
#include <stdlib.h>

#ifndef WM_SAN_LOG_DIR
#define WM_SAN_LOG_DIR "/tmp"
#endif

#define UBSAN_OPTS "log_path=" WM_SAN_LOG_DIR "/ubsan:print_stacktrace=1:" \
	"halt_on_error=1:abort_on_error=1"

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "log_path=" WM_SAN_LOG_DIR "/asan:detect_leaks=0:"
	    "abort_on_error=0:handle_abort=1:allow_user_segv_handler=1";
}

const char *
__ubsan_default_options(void)
{
	return UBSAN_OPTS;
}

/*
 * GCC's UBSan runtime sets itself up at its first report and, seen here,
 * then honours log_path only with UBSAN_OPTIONS in the environment: put it
 * there (the runtime reads it later, at that report).
 */
static void ubsan_env(void) __attribute__((constructor));

static void
ubsan_env(void)
{
	setenv("UBSAN_OPTIONS", UBSAN_OPTS, 0);
}
