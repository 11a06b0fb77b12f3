/*
 * queue.h - the Postfix queue of the instance: what is in it (postqueue -j,
 * parsed with SQLite's JSON functions), flushing it (postqueue -f, which
 * any local user may do), and holding, releasing, deleting and showing one
 * mail (postsuper and postcat, which only root may run: the console goes
 * through the [commands] queue entry, sudo -n wm-ctl queue in production).
 */
#ifndef WM_QUEUE_H
#define WM_QUEUE_H

#include <stddef.h>
#include <time.h>

struct wm_buf;
struct wm_config;
struct wm_db;
struct wm_err;

#define WM_QUEUE_ID_MAX	32

struct wm_queue_mail {
	const char	*id;
	const char	*queue;		/* incoming, active, deferred, hold, maildrop */
	const char	*sender;	/* "" for the null sender */
	const char	*recipients;	/* comma separated */
	const char	*reason;	/* why deferred, "" when not */
	long long	 size;
	time_t		 arrival;
};

struct wm_queue_counts {
	long	 incoming, active, deferred, hold, maildrop, total;
};

/* Calls fn for every mail in the queue; -1 from fn stops. */
int	 wm_queue_foreach(const struct wm_config *, struct wm_db *,
	    int (*fn)(const struct wm_queue_mail *, void *), void *arg,
	    struct wm_err *);
int	 wm_queue_count(const struct wm_config *, struct wm_db *,
	    struct wm_queue_counts *, struct wm_err *);
/* Retries deferred mail now. */
int	 wm_queue_flush(const struct wm_config *, struct wm_err *);

/* A queue id: 6-32 letters and digits (never "ALL"). */
int	 wm_queue_id_ok(const char *id);

enum wm_queue_op { WM_QUEUE_HOLD, WM_QUEUE_RELEASE, WM_QUEUE_DELETE };
const char *wm_queue_op_name(enum wm_queue_op);	/* "hold", "release", "delete" */
int	 wm_queue_op_parse(const char *);

/* As root: postsuper -h/-H/-d on each id. */
int	 wm_queue_super(const struct wm_config *, enum wm_queue_op,
	    const char *const *ids, size_t n, struct wm_err *);
/* As root: the headers of one queued mail (postcat -h -q). */
int	 wm_queue_headers(const struct wm_config *, const char *id,
	    struct wm_buf *out, struct wm_err *);

/* From the console (as wm): the same through [commands] queue. */
int	 wm_queue_admin(const struct wm_config *, enum wm_queue_op,
	    const char *const *ids, size_t n, struct wm_err *);
int	 wm_queue_admin_headers(const struct wm_config *, const char *id,
	    struct wm_buf *out, struct wm_err *);

#endif
