/*
 * cli.h - what every wm-* program does the same way: the common options
 * (-c FILE, --json, --verbose, --help, --version), opening the instance, and
 * turning a struct wm_err into a message and an exit status.
 */
#ifndef WM_CLI_H
#define WM_CLI_H

#include <getopt.h>
#include <stdio.h>

struct wm_config;
struct wm_db;
struct wm_err;

struct wm_cli {
	const char		*prog;		/* program name for messages */
	const char		*usage;		/* full --help text */
	const char		*config_path;	/* -c, NULL: $WM_CONFIG or default */
	int			 json;
	int			 verbose;
	struct wm_config	*cfg;
	struct wm_db		*db;
	char			 actor[64];	/* who, for the audit log */
	int			 noperands;	/* wm_cli_getopt: operands seen */
};

/* Long options shared by every program; append yours after these. */
#define WM_CLI_LONGOPTS \
	{ "config",  required_argument, NULL, 'c' }, \
	{ "json",    no_argument,       NULL, 'J' }, \
	{ "verbose", no_argument,       NULL, 'v' }, \
	{ "help",    no_argument,       NULL, 'h' }, \
	{ "version", no_argument,       NULL, 'V' }

/* Short options matching WM_CLI_LONGOPTS, for the wm_cli_getopt optstring. */
#define WM_CLI_SHORTOPTS "c:vh"

/* Also unsets POSIXLY_CORRECT, so that getopt_long permutes. */
void	 wm_cli_init(struct wm_cli *, const char *prog, const char *usage);
/*
 * Handles one of the common option characters; returns 1 when handled, 0 when
 * ch is not common.  --help and --version print and exit(0).
 */
int	 wm_cli_option(struct wm_cli *, int ch, const char *arg);
/*
 * getopt_long for every program: options may come before and after operands
 * (GNU style, also under POSIXLY_CORRECT) and "--" ends options.  When it
 * returns -1 the operands are argv[optind..argc-1] in their original order,
 * so callers use optind as with getopt_long.  A leading '+' or '-' in
 * shortopts is ignored.
 */
int	 wm_cli_getopt(struct wm_cli *, int argc, char **argv,
	    const char *shortopts, const struct option *longopts);
/* Prints usage to stderr and exits EX_USAGE. */
void	 wm_cli_usage(const struct wm_cli *) __attribute__((noreturn));
/* Loads wm.conf, points logging at the instance log and opens the database. */
int	 wm_cli_open(struct wm_cli *, struct wm_err *);
void	 wm_cli_close(struct wm_cli *);
/* Prints "prog: msg" on stderr, logs it, and returns err->code (for exit). */
int	 wm_cli_fail(const struct wm_cli *, const struct wm_err *);
/* Logs "action detail by actor" and appends it to the audit table. */
int	 wm_cli_audit(struct wm_cli *, const char *action, const char *detail,
	    struct wm_err *);
/*
 * Logs and audits a change: object is what changed ("admin bob"), old and
 * new its values (NULL: none; secrets as WM_AUDIT_MASKED).
 */
int	 wm_cli_audit_change(struct wm_cli *, const char *action,
	    const char *object, const char *old_value, const char *new_value,
	    struct wm_err *);
/* Prints an epoch time as RFC 3339 (a JSON string with json), 0 as never
 * (JSON null). */
void	 wm_cli_print_time(FILE *, int json, long long t, const char *never);
/* One member of a JSON object a program prints (--json). */
enum wm_json_type { WM_JSON_STR, WM_JSON_BOOL, WM_JSON_INT, WM_JSON_TIME };
struct wm_json_field {
	const char		*name;
	enum wm_json_type	 type;
	const char		*s;	/* WM_JSON_STR; NULL prints null */
	long long		 n;	/* the others; a time of 0 prints null */
};
#define WM_JSON_S(k, v)	{ (k), WM_JSON_STR, (v), 0 }
#define WM_JSON_B(k, v)	{ (k), WM_JSON_BOOL, NULL, (v) != 0 }
#define WM_JSON_I(k, v)	{ (k), WM_JSON_INT, NULL, (v) }
#define WM_JSON_T(k, v)	{ (k), WM_JSON_TIME, NULL, (v) }
/*
 * Prints the members, in order, as ", "-separated "name": value pairs,
 * without braces (so an object can be made of several tables).
 */
void	 wm_cli_json_members(FILE *, const struct wm_json_field *, size_t n);
/* The same inside braces: one whole object, no newline. */
void	 wm_cli_json_object(FILE *, const struct wm_json_field *, size_t n);
/* Before the next object of a list opened with "[": a comma after the first. */
void	 wm_cli_json_next(FILE *, int *count);
/* Closes such a list: "]", on a line of its own after any object. */
void	 wm_cli_json_end(FILE *, int count);
/* Reads one line (a password) from stdin without echo; caller frees with wm_free_secret. */
char	*wm_cli_read_secret(const char *prompt, struct wm_err *);

#endif
