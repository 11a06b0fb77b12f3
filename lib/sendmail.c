/*
 * sendmail.c - the one place a mail is handed to Postfix's sendmail(1): the
 * fallback route of outbound.c, and what wm-testmail and the portal's replies
 * use.  Kept apart from notify.c so that a program which only submits (or
 * only queues, like wm-deliver) does not link the template and MIME code.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "outbound.h"
#include "util.h"

#define SENDMAIL_ARGS	32

/* Splits the configured command on spaces into argv (no shell, no quoting). */
static int
split_command(char *cmd, char **argv, int max)
{
	char *tok, *save = NULL;
	int n = 0;

	for (tok = strtok_r(cmd, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (n >= max - 1)
			return -1;
		argv[n++] = tok;
	}
	argv[n] = NULL;
	return n;
}

static int
valid_recipient(const char *r)
{
	return r != NULL && *r != '\0' && *r != '-' && !wm_has_crlf(r) &&
	    strchr(r, '@') != NULL;
}

extern char **environ;

/*
 * Starts sendmail reading rfd.  posix_spawn, not fork: the notice sender
 * starts one per mail, and a fork of a process with this many libraries
 * mapped copied its page tables only for exec to drop them again.
 */
static int
spawn(int rfd, char **argv, pid_t *pid, struct wm_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def;
	int e;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return wm_err_set(err, EX_TEMPFAIL, "out of memory");
	}
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	/*
	 * rfd becomes stdin; a CGI's stdout is the HTTP response, so sendmail's
	 * chatter goes to stderr.  Both pipe ends are close-on-exec.
	 */
	if ((e = posix_spawn_file_actions_adddup2(&fa, rfd, STDIN_FILENO)) == 0 &&
	    (e = posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO,
	    STDOUT_FILENO)) == 0 &&
	    (e = posix_spawnattr_setsigdefault(&at, &def)) == 0 &&
	    (e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF)) == 0)
		e = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0)
		return wm_err_set(err, EX_TEMPFAIL, "cannot run %s: %s", argv[0],
		    strerror(e));
	return 0;
}

static int
wait_child(pid_t pid, const char *cmd, struct wm_err *err)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return wm_err_set(err, EX_TEMPFAIL, "sendmail: wait: %s",
			    strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return wm_err_set(err, EX_TEMPFAIL, "%s killed by signal %d", cmd,
		    WTERMSIG(status));
	return wm_err_set(err, EX_TEMPFAIL, "%s exited with status %d", cmd,
	    WEXITSTATUS(status));
}

int
wm_sendmail(struct wm_config *cfg, const char *sender,
    const char *const *recipients, const void *mail, size_t len,
    struct wm_err *err)
{
	char *argv[SENDMAIL_ARGS + 64], *cmd;
	struct sigaction ign, old;
	size_t nr = 0;
	pid_t pid;
	int fds[2], n, rc, werr = 0;

	if (recipients == NULL || recipients[0] == NULL)
		return wm_err_set(err, EX_SOFTWARE, "sendmail: no recipients");
	for (nr = 0; recipients[nr] != NULL; nr++) {
		if (!valid_recipient(recipients[nr]))
			return wm_err_set(err, EX_DATAERR, "sendmail: refusing "
			    "recipient address");
		if (nr >= 63)
			return wm_err_set(err, EX_SOFTWARE, "sendmail: too many "
			    "recipients");
	}
	if (sender == NULL)
		sender = "";
	if (wm_has_crlf(sender) || *sender == '-')
		return wm_err_set(err, EX_DATAERR, "sendmail: refusing sender");
	cmd = wm_strdup(wm_config_get(cfg, "commands", "sendmail"));
	if (cmd == NULL)
		return wm_err_set(err, EX_CONFIG, "no [commands] sendmail");
	n = split_command(cmd, argv, SENDMAIL_ARGS - 5);
	if (n <= 0 || argv[0][0] != '/') {
		free(cmd);
		return wm_err_set(err, EX_CONFIG, "[commands] sendmail must be an "
		    "absolute path");
	}
	argv[n++] = "-i";
	argv[n++] = "-f";
	argv[n++] = (char *)sender;
	argv[n++] = "--";
	for (nr = 0; recipients[nr] != NULL; nr++)
		argv[n++] = (char *)recipients[nr];
	argv[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		free(cmd);
		return wm_err_set(err, EX_TEMPFAIL, "pipe: %s", strerror(errno));
	}
	if (spawn(fds[0], argv, &pid, err) == -1) {
		close(fds[0]);
		close(fds[1]);
		free(cmd);
		return -1;
	}
	close(fds[0]);
	/* A sendmail that dies early must fail this call, not kill us. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	if (wm_write_all(fds[1], mail, len) == -1)
		werr = errno;
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	rc = wait_child(pid, argv[0], err);
	if (rc == 0 && werr != 0)
		rc = wm_err_set(err, EX_TEMPFAIL, "sendmail: write: %s",
		    strerror(werr));
	free(cmd);
	return rc;
}

