/*
 * sandbox.h - runs one parse of untrusted bytes in a child process that can
 * hurt nothing: a seccomp filter (libseccomp) that allows computing and
 * writing to one pipe only (no file can be opened, no socket made, no
 * process started), CPU and memory rlimits and a wall-clock limit.  Only the
 * bytes the child writes come back; a crash, hang or memory blow-up is an
 * outcome for the caller, never the caller's death.
 */
#ifndef WM_SANDBOX_H
#define WM_SANDBOX_H

#include <stddef.h>

struct wm_buf;
struct wm_err;

enum wm_sandbox_outcome {
	WM_SANDBOX_OK = 0,
	WM_SANDBOX_FAILED,	/* the work reported an error */
	WM_SANDBOX_CRASHED,	/* killed by a signal (a bug, or the filter) */
	WM_SANDBOX_TIMEOUT,	/* over the wall-clock or CPU limit */
	WM_SANDBOX_MEMORY,	/* over the memory limit */
	WM_SANDBOX_TOOBIG	/* more output than allowed */
};

struct wm_sandbox_limits {
	int	cpu_seconds;
	size_t	memory;		/* bytes of address space */
	int	wall_ms;
	size_t	max_out;
};

/* Defaults for parsing one mail in the portal. */
#define WM_SANDBOX_CPU_LIMIT	5
#define WM_SANDBOX_MEM_LIMIT	(512UL * 1024 * 1024)
#define WM_SANDBOX_WALL_LIMIT	5000

/*
 * Exit status of a child whose allocation failed: the work should exit with
 * it when it runs out of memory, so the outcome says so.
 */
#define WM_SANDBOX_EXIT_NOMEM	3

/*
 * Forks, confines the child and runs fn(arg, out) there; the child's out is
 * copied into result.  fn returns 0 on success.  Returns 0 with *outcome
 * WM_SANDBOX_OK, or -1 with *outcome saying why and err a message.
 */
int	 wm_sandbox_run(int (*fn)(void *arg, struct wm_buf *out), void *arg,
	    const struct wm_sandbox_limits *, struct wm_buf *result,
	    enum wm_sandbox_outcome *outcome, struct wm_err *);
const char *wm_sandbox_outcome_name(enum wm_sandbox_outcome);
/*
 * The tests' fault hook, for work run in the sandbox: with
 * WM_TEST_PARSE_FAULTS=1 in the environment, a mail with the header
 * X-WM-Test-Fault: crash, loop or memory does that.
 */
void	 wm_sandbox_test_fault(const char *raw);

#endif
