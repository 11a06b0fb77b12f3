/*
 * status.h - the state of the box at a glance (guide 5), for the console's
 * status page and for scripts: queue sizes, deliveries of the last hour and
 * day, users, mailboxes, disk use and free space, and what is about to
 * expire.  Everything comes from bounded reads (totals kept by triggers,
 * metric buckets, a queue sample at most WM_STATUS_QUEUE_AGE old), so the
 * cost does not grow with users or mail.
 */
#ifndef WM_STATUS_H
#define WM_STATUS_H

#include <time.h>

#include "queue.h"

struct wm_config;
struct wm_db;
struct wm_err;

#define WM_STATUS_QUEUE_AGE	60	/* seconds a queue sample is reused */
#define WM_STATUS_CERT_DAYS	30	/* warn this long before a certificate ends */
#define WM_STATUS_CRL_DAYS	7	/* and before a CRL's next update */

struct wm_status {
	struct wm_queue_counts	 queue;
	int			 queue_known;	/* 0: the MTA did not answer */
	long long		 delivered_hour, delivered_day;
	long long		 postmaster_hour, postmaster_day;
	long long		 deferred_hour, deferred_day;
	long long		 users, mailboxes;
	long long		 mail_bytes;	/* stored mail */
	long long		 free_bytes;	/* on the mail directory's file system */
	long long		 certs_expiring, certs_expired;
	long long		 crls_due;	/* next update passed or near */
	char			 first_expiring[256];	/* subject, for the warning */
};

/*
 * Fills st.  The queue is sampled (postqueue -j) when the last sample is
 * older than WM_STATUS_QUEUE_AGE, and the sample is noted as the queue
 * gauge for the history graph.
 */
int	 wm_status_get(const struct wm_config *, struct wm_db *,
	    struct wm_status *, struct wm_err *);
/* Samples the queue now and notes the gauge (wm-cleanup, cron). */
int	 wm_status_sample_queue(const struct wm_config *, struct wm_db *,
	    struct wm_queue_counts *, struct wm_err *);

#endif
