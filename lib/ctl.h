/*
 * ctl.h - starting, stopping and asking after the services of one instance
 * (wm-ctl(8)): its private Postfix, the smtp-sink capturing outbound mail and
 * lighttpd.  Processes are found only through this instance's pid files and
 * checked against their command line before a signal is sent: another
 * instance, or anything else on the machine, is never touched.
 */
#ifndef WM_CTL_H
#define WM_CTL_H

#include <sys/types.h>

struct wm_config;
struct wm_err;

#define WM_SVC_POSTFIX	0x01
#define WM_SVC_SINK	0x02
#define WM_SVC_LIGHTTPD	0x04
#define WM_SVC_CRON	0x08	/* "wm-cron loop": the jobs of an instance */
#define WM_SVC_NOTIFY	0x10	/* wm-notify serve, the notice sender */
#define WM_SVC_DKIM	0x20	/* OpenDKIM, when signing is on */
#define WM_SVC_LMTP	0x40	/* wm-lmtpd, when [instance] transport = lmtp */
#define WM_SVC_KEYS	0x80	/* wm-pki serve, the key service (keysvc.c) */
#define WM_SVC_ALL	0xff

/*
 * "postfix", "sink", "lighttpd", "cron", "notify", "opendkim", "lmtp",
 * "keys" or "all" -> a WM_SVC_ mask; -1 if unknown.
 */
int	 wm_ctl_parse(const char *name);

/*
 * Starting what already runs and stopping what is stopped succeed.  Start
 * returns once the listeners accept connections; stop once the processes are
 * gone.  The sink is skipped unless capture-outbound is yes, the cron loop
 * in production (where /etc/cron.d/wm runs wm-cron).
 */
int	 wm_ctl_start(const struct wm_config *, int services, struct wm_err *);
int	 wm_ctl_stop(const struct wm_config *, int services, struct wm_err *);

/*
 * Creates missing Postfix queue directories (postfix check) and, for a
 * private instance (production = no), lets local users, wm-deliver among
 * them, drop mail and query the queue.
 */
int	 wm_ctl_postfix_prepare(const struct wm_config *, struct wm_err *);

enum wm_svc_state { WM_SVC_STOPPED = 0, WM_SVC_RUNNING, WM_SVC_DISABLED };

struct wm_ctl_status {
	enum wm_svc_state	 postfix, sink, lighttpd, notify, lmtp;
	pid_t			 postfix_pid, sink_pid, lighttpd_pid, notify_pid;
	pid_t			 lmtp_pid;
	long			 queue;		/* messages in the queue, -1 unknown */
};

int	 wm_ctl_status(const struct wm_config *, struct wm_ctl_status *,
	    struct wm_err *);
const char *wm_ctl_state_name(enum wm_svc_state);

struct wm_buf;

/*
 * Runs the [commands] entry key of wm.conf (split at blanks) with extra
 * arguments appended, and waits: its exit status, or -1 when it could not
 * run.  out (may be NULL) collects standard output; without it output goes
 * to logdir/ctl.log.
 */
int	 wm_ctl_command(const struct wm_config *, const char *key,
	    const char *const *extra, struct wm_buf *out, struct wm_err *);
/*
 * The same, detached (its own session, not waited for): for a restart or a
 * reboot that ends the very process asking for it.
 */
int	 wm_ctl_command_detached(const struct wm_config *, const char *key,
	    struct wm_err *);
/* The same, output collecting standard output and error (messages). */
int	 wm_ctl_command_all(const struct wm_config *, const char *cmd,
	    const char *const *args, struct wm_buf *out, struct wm_err *);
int	 wm_ctl_postfix_running(const struct wm_config *);
int	 wm_ctl_dkim_running(const struct wm_config *);

#endif
