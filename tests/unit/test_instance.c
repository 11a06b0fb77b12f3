/*
 * test_instance.c - creating instances (ports, where data lives, the HTTPS
 * certificate, the Postfix and lighttpd configurations) and controlling their
 * services (wm-ctl): names, stale pid files, the capture sink.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "ctl.h"
#include "err.h"
#include "instance.h"
#include "util.h"
#include "testutil.h"

static int all5[WM_LISTEN_COUNT] = { 1, 1, 1, 1, 1, 1 };

static int
can_bind(int port)
{
	struct sockaddr_in sin;
	int s, ok;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(s);
	return ok;
}

static int
listening(int port)
{
	struct sockaddr_in sin;
	int s, ok;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(s);
	return ok;
}

static char *
slurp(const char *path)
{
	struct wm_buf b;
	struct wm_err err;

	wm_buf_init(&b);
	ck_assert_msg(wm_read_file(path, 1 << 20, &b, &err) == 0, "%s", err.msg);
	return wm_buf_take(&b);
}

static int
have_root_and_wm(void)
{
	return geteuid() == 0 && getpwnam("wm") != NULL;
}

START_TEST(test_ports_are_distinct_and_free)
{
	struct wm_err err;
	int p[WM_LISTEN_COUNT], i, j;

	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int low = 65536;

	if (f != NULL) {
		ck_assert_int_eq(fscanf(f, "%d", &low), 1);
		fclose(f);
	}
	ck_assert_int_eq(wm_instance_ports(0, all5, p, WM_LISTEN_COUNT, &err), 0);
	for (i = 0; i < WM_LISTEN_COUNT; i++) {
		ck_assert_int_gt(p[i], 0);
		/* Outgoing connections take local ports from that range. */
		if (low > 11000)
			ck_assert_msg(p[i] < low, "port %d below the ephemeral range", p[i]);
		ck_assert_msg(can_bind(p[i]), "port %d is free again", p[i]);
		for (j = 0; j < i; j++)
			ck_assert_int_ne(p[i], p[j]);
	}
}
END_TEST

START_TEST(test_ports_skip_unwanted_listeners)
{
	int want[WM_LISTEN_COUNT] = { 1, 1, 0, 1, 1 };
	struct wm_err err;
	int p[WM_LISTEN_COUNT];

	ck_assert_int_eq(wm_instance_ports(0, want, p, WM_LISTEN_COUNT, &err), 0);
	ck_assert_int_eq(p[WM_LISTEN_SINK], 0);
	ck_assert_int_gt(p[WM_LISTEN_ADMIN], 0);
}
END_TEST

START_TEST(test_port_base_hands_out_consecutive_ports)
{
	struct wm_err err;
	int p[WM_LISTEN_COUNT], i, tries, base = 0;

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (tries = 0; tries < 100; tries++) {
		base = 20000 + rand() % 40000;
		if (wm_instance_ports(base, all5, p, WM_LISTEN_COUNT, &err) == 0)
			break;
		ck_assert_int_eq(err.code, EX_UNAVAILABLE);
	}
	ck_assert_int_lt(tries, 100);
	for (i = 0; i < WM_LISTEN_COUNT; i++)
		ck_assert_int_eq(p[i], base + i);
}
END_TEST

START_TEST(test_port_base_with_a_taken_port_fails)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct wm_err err;
	int p[WM_LISTEN_COUNT], s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	getsockname(s, (struct sockaddr *)&sin, &len);
	/* The taken port is the admin port of this base. */
	ck_assert_int_eq(wm_instance_ports(ntohs(sin.sin_port) - WM_LISTEN_ADMIN,
	    all5, p, WM_LISTEN_COUNT, &err), -1);
	ck_assert_int_eq(err.code, EX_UNAVAILABLE);
	close(s);
}
END_TEST

START_TEST(test_datadir_finds_the_source_tree_of_a_build)
{
	char *dir = wm_test_tmpdir(), real[PATH_MAX], *p, *got, *want;

	ck_assert_ptr_nonnull(realpath(dir, real));
	p = wm_asprintf("%s/templates/html", dir);
	ck_assert_int_eq(wm_mkdir_p(p, 0755, NULL), 0);
	free(p);
	p = wm_asprintf("%s/lib", dir);
	ck_assert_int_eq(wm_mkdir_p(p, 0755, NULL), 0);
	free(p);
	p = wm_asprintf("%s/lib/instance.h", dir);
	wm_test_write(p, "");
	free(p);
	p = wm_asprintf("%s/build-x/bin", dir);
	ck_assert_int_eq(wm_mkdir_p(p, 0755, NULL), 0);

	got = wm_instance_datadir(p, "templates");
	want = wm_asprintf("%s/templates", real);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	got = wm_instance_datadir(p, "cgi");
	want = wm_asprintf("%s/build-x/cgi", real);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(p);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_datadir_of_installed_programs)
{
	char *dir = wm_test_tmpdir(), *got;

	/* No templates beside it: the installed locations. */
	got = wm_instance_datadir(dir, "templates");
	ck_assert_str_eq(got, "/usr/share/wm/templates");
	free(got);
	got = wm_instance_datadir(dir, "cgi");
	ck_assert_str_eq(got, "/usr/libexec/wm/cgi");
	free(got);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_tls_cert_is_for_loopback_and_private)
{
	char *dir = wm_test_tmpdir(), *path = wm_asprintf("%s/server.pem", dir);
	struct wm_err err;
	struct stat st;
	EVP_PKEY *key;
	X509 *x;
	FILE *f;

	ck_assert_msg(wm_instance_tls_cert(path, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	x = PEM_read_X509(f, NULL, NULL, NULL);
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	ck_assert_int_eq(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_private_key(x, key), 1);
	ck_assert_int_eq(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), 1);
	ck_assert_int_gt(X509_cmp_time(X509_get0_notAfter(x), NULL), 0);
	X509_free(x);
	EVP_PKEY_free(key);
	free(path);
	wm_test_rmdir(dir);
}
END_TEST

/* A configuration as wm-init fills it, in a scratch directory. */
static struct wm_config *
scratch_config(const char *dir, int capture)
{
	struct wm_config *c = wm_config_new(dir);

	wm_config_set(c, "instance", "name", "t1");
	wm_config_set(c, "instance", "user", "wm");
	wm_config_set(c, "instance", "capture-outbound", capture ? "yes" : "no");
	wm_config_set(c, "paths", "bin", "/opt/wm/bin");
	wm_config_set(c, "paths", "cgi", "/opt/wm/cgi");
	wm_config_set(c, "paths", "static", "/opt/wm/static");
	wm_config_set(c, "listen", "smtp", "127.0.0.1:30001");
	wm_config_set(c, "listen", "relay", "127.0.0.1:30002");
	if (capture)
		wm_config_set(c, "listen", "sink", "127.0.0.1:30003");
	wm_config_set(c, "listen", "portal", "127.0.0.1:30004");
	wm_config_set(c, "listen", "admin", "127.0.0.1:30005");
	return c;
}

START_TEST(test_postfix_config_routes_the_relay_recipient_to_the_pipe)
{
	char *dir = wm_test_tmpdir(), *p, *main_cf, *master_cf, *checks, *want;
	struct wm_config *c = scratch_config(dir, 1);
	struct wm_err err;

	ck_assert_msg(wm_instance_write_postfix(c, NULL, "relay@box.example", &err) == 0,
	    "%s", err.msg);
	p = wm_asprintf("%s/postfix/main.cf", dir);
	main_cf = slurp(p);
	free(p);
	p = wm_asprintf("%s/postfix/master.cf", dir);
	master_cf = slurp(p);
	free(p);
	p = wm_asprintf("%s/postfix/header_checks", dir);
	checks = slurp(p);
	free(p);
	ck_assert_ptr_nonnull(strstr(main_cf,
	    "transport_maps = inline:{ relay@box.example=wmdeliver: }\n"));
	ck_assert_ptr_nonnull(strstr(main_cf,
	    "relay_recipient_maps = inline:{ relay@box.example=ok }\n"));
	ck_assert_ptr_nonnull(strstr(main_cf, "relay_domains = box.example\n"));
	ck_assert_ptr_nonnull(strstr(main_cf, "wmdeliver_destination_recipient_limit = 1\n"));
	ck_assert_ptr_nonnull(strstr(main_cf, "inet_interfaces = 127.0.0.1\n"));
	ck_assert_ptr_nonnull(strstr(main_cf, "relayhost = [127.0.0.1]:30003\n"));
	want = wm_asprintf("queue_directory = %s/spool\n", dir);
	ck_assert_ptr_nonnull(strstr(main_cf, want));
	free(want);
	want = wm_asprintf("flags=Rq user=wm argv=/opt/wm/bin/wm-deliver -c %s/wm.conf "
	    "--sender ${sender} --recipient ${recipient}\n", dir);
	ck_assert_msg(strstr(master_cf, want) != NULL, "%s", master_cf);
	free(want);
	ck_assert_ptr_nonnull(strstr(master_cf, "127.0.0.1:30001 inet n - n - - smtpd\n"));
	ck_assert_ptr_nonnull(strstr(master_cf, "-o content_filter=smtp:[127.0.0.1]:30003\n"));
	ck_assert_ptr_nonnull(strstr(checks, "FILTER smtp:[127.0.0.1]:30002\n"));
	ck_assert_ptr_nonnull(strstr(checks, "^" WM_RELAY_HEADER ":"));
	free(main_cf);
	free(master_cf);
	free(checks);
	wm_config_free(c);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_postfix_config_without_capture_relays_normally)
{
	char *dir = wm_test_tmpdir(), *p, *main_cf, *master_cf;
	struct wm_config *c = scratch_config(dir, 0);
	struct wm_err err;
	struct stat st;

	ck_assert_msg(wm_instance_write_postfix(c, NULL, "webmail@webmail.local", &err) == 0,
	    "%s", err.msg);
	p = wm_asprintf("%s/postfix/main.cf", dir);
	main_cf = slurp(p);
	free(p);
	p = wm_asprintf("%s/postfix/master.cf", dir);
	master_cf = slurp(p);
	free(p);
	ck_assert_ptr_nonnull(strstr(main_cf, "relayhost =\n"));
	ck_assert_ptr_null(strstr(master_cf, "content_filter"));
	/* The submission programs of the instance are not set-gid. */
	p = wm_asprintf("%s/postfix/bin/postdrop", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & (S_ISGID | S_ISUID), 0);
	ck_assert_int_ne(st.st_mode & S_IXUSR, 0);
	free(p);
	free(main_cf);
	free(master_cf);
	wm_config_free(c);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_lighttpd_config_keeps_portal_and_admin_apart)
{
	char *dir = wm_test_tmpdir(), *p, *conf, *admin;
	struct wm_config *c = scratch_config(dir, 0);
	struct wm_err err;

	ck_assert_msg(wm_instance_write_lighttpd(c, &err) == 0, "%s", err.msg);
	p = wm_asprintf("%s/lighttpd/lighttpd.conf", dir);
	conf = slurp(p);
	free(p);
	admin = strstr(conf, "$SERVER[\"socket\"] == \"127.0.0.1:30005\"");
	ck_assert_ptr_nonnull(admin);
	ck_assert_ptr_nonnull(strstr(conf, "server.port = 30004\n"));
	ck_assert_ptr_nonnull(strstr(conf, "server.bind = \"127.0.0.1\"\n"));
	ck_assert_ptr_nonnull(strstr(conf, "\"/portal.cgi\" => \"/opt/wm/cgi/portal.cgi\""));
	/* admin.cgi is reachable only inside the admin listener's block. */
	ck_assert_ptr_eq(strstr(conf, "admin.cgi"), strstr(admin, "admin.cgi"));
	ck_assert_ptr_null(strstr(admin, "portal.cgi"));
	ck_assert_ptr_nonnull(strstr(conf, "ssl.engine = \"enable\""));
	free(conf);
	wm_config_free(c);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_create_refuses_an_existing_instance_unless_forced)
{
	struct wm_instance_opts o = { 0 };
	char *dir, *inst, *conf;
	struct wm_err err;

	if (!have_root_and_wm())
		return;		/* chown and Postfix queues need root */
	dir = wm_test_tmpdir();
	chmod(dir, 0755);
	inst = wm_asprintf("%s/box", dir);
	o.dir = inst;
	o.bin = "/opt/wm/bin";
	o.templates = "/opt/wm/templates";
	ck_assert_msg(wm_instance_create(&o, &err) == 0, "%s", err.msg);
	conf = wm_asprintf("%s/wm.conf", inst);
	ck_assert(wm_path_exists(conf));
	ck_assert_int_eq(wm_instance_create(&o, &err), -1);
	ck_assert_int_eq(err.code, EX_CANTCREAT);
	o.force = 1;
	ck_assert_msg(wm_instance_create(&o, &err) == 0, "%s", err.msg);
	free(conf);
	free(inst);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_create_refuses_unsafe_directory_names)
{
	struct wm_instance_opts o = { 0 };
	struct wm_err err;

	o.dir = "/tmp/a b";
	ck_assert_int_eq(wm_instance_create(&o, &err), -1);
	ck_assert_int_eq(err.code, EX_USAGE);
	o.dir = "/tmp/$HOME";
	ck_assert_int_eq(wm_instance_create(&o, &err), -1);
	ck_assert_int_eq(err.code, EX_USAGE);
}
END_TEST

START_TEST(test_ctl_parses_service_names)
{
	ck_assert_int_eq(wm_ctl_parse("postfix"), WM_SVC_POSTFIX);
	ck_assert_int_eq(wm_ctl_parse("sink"), WM_SVC_SINK);
	ck_assert_int_eq(wm_ctl_parse("lighttpd"), WM_SVC_LIGHTTPD);
	ck_assert_int_eq(wm_ctl_parse("all"), WM_SVC_ALL);
	ck_assert_int_eq(wm_ctl_parse("nginx"), -1);
	ck_assert_str_eq(wm_ctl_state_name(WM_SVC_DISABLED), "disabled");
}
END_TEST

/* A configuration for ctl with its run directory; commands that do nothing. */
static struct wm_config *
ctl_config(const char *dir, int capture)
{
	struct wm_config *c = scratch_config(dir, capture);
	char *p;

	p = wm_asprintf("%s/run", dir);
	wm_mkdir_p(p, 0755, NULL);
	free(p);
	p = wm_asprintf("%s/outbox", dir);
	wm_mkdir_p(p, 0777, NULL);
	chmod(p, 0777);
	free(p);
	p = wm_asprintf("%s/log", dir);
	wm_mkdir_p(p, 0755, NULL);
	free(p);
	wm_config_set(c, "commands", "postqueue", "/bin/false");
	return c;
}

START_TEST(test_ctl_status_of_a_stopped_instance)
{
	char *dir = wm_test_tmpdir();
	struct wm_config *c = ctl_config(dir, 0);
	struct wm_ctl_status st;
	struct wm_err err;

	ck_assert_int_eq(wm_ctl_status(c, &st, &err), 0);
	ck_assert_int_eq(st.postfix, WM_SVC_STOPPED);
	ck_assert_int_eq(st.lighttpd, WM_SVC_STOPPED);
	ck_assert_int_eq(st.sink, WM_SVC_DISABLED);
	ck_assert_int_eq(st.queue, -1);
	ck_assert_int_eq(wm_ctl_stop(c, WM_SVC_SINK | WM_SVC_LIGHTTPD, &err), 0);
	wm_config_free(c);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_ctl_never_signals_a_process_of_a_stale_pid_file)
{
	char *dir = wm_test_tmpdir(), *p, buf[32];
	struct wm_config *c = ctl_config(dir, 1);
	struct wm_ctl_status st;
	struct wm_err err;
	pid_t child;
	int status;

	if ((child = fork()) == 0) {
		pause();
		_exit(0);
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)child);
	p = wm_asprintf("%s/run/sink.pid", dir);
	wm_test_write(p, buf);
	free(p);
	p = wm_asprintf("%s/run/lighttpd.pid", dir);
	wm_test_write(p, buf);
	free(p);
	ck_assert_int_eq(wm_ctl_status(c, &st, &err), 0);
	ck_assert_int_eq(st.sink, WM_SVC_STOPPED);
	ck_assert_int_eq(st.lighttpd, WM_SVC_STOPPED);
	ck_assert_int_eq(wm_ctl_stop(c, WM_SVC_SINK | WM_SVC_LIGHTTPD, &err), 0);
	ck_assert_int_eq(waitpid(child, &status, WNOHANG), 0);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	wm_config_free(c);
	wm_test_rmdir(dir);
}
END_TEST

START_TEST(test_ctl_starts_and_stops_the_capture_sink)
{
	char *dir, listen[32];
	struct wm_config *c;
	struct wm_ctl_status st;
	struct wm_err err;
	int want[WM_LISTEN_COUNT] = { 1, 0, 0, 0, 0 }, p[WM_LISTEN_COUNT];
	pid_t pid;

	if (geteuid() != 0 || !wm_path_exists("/usr/sbin/smtp-sink"))
		return;		/* smtp-sink -u nobody needs root */
	dir = wm_test_tmpdir();
	chmod(dir, 0755);
	c = ctl_config(dir, 1);
	ck_assert_int_eq(wm_instance_ports(0, want, p, WM_LISTEN_COUNT, &err), 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", p[0]);
	wm_config_set(c, "listen", "sink", listen);
	ck_assert_msg(wm_ctl_start(c, WM_SVC_SINK, &err) == 0, "%s", err.msg);
	ck_assert(listening(p[0]));
	ck_assert_int_eq(wm_ctl_status(c, &st, &err), 0);
	ck_assert_int_eq(st.sink, WM_SVC_RUNNING);
	pid = st.sink_pid;
	ck_assert_int_eq(wm_ctl_start(c, WM_SVC_SINK, &err), 0);	/* again: no-op */
	ck_assert_int_eq(wm_ctl_status(c, &st, &err), 0);
	ck_assert_int_eq(st.sink_pid, pid);
	ck_assert_msg(wm_ctl_stop(c, WM_SVC_SINK, &err) == 0, "%s", err.msg);
	ck_assert(!listening(p[0]));
	ck_assert_int_eq(wm_ctl_status(c, &st, &err), 0);
	ck_assert_int_eq(st.sink, WM_SVC_STOPPED);
	/* Our child: reap it so no zombie is left behind. */
	waitpid(pid, NULL, 0);
	wm_config_free(c);
	wm_test_rmdir(dir);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("instance");

	WM_TEST(s, test_ports_are_distinct_and_free);
	WM_TEST(s, test_ports_skip_unwanted_listeners);
	WM_TEST(s, test_port_base_hands_out_consecutive_ports);
	WM_TEST(s, test_port_base_with_a_taken_port_fails);
	WM_TEST(s, test_datadir_finds_the_source_tree_of_a_build);
	WM_TEST(s, test_datadir_of_installed_programs);
	WM_TEST(s, test_tls_cert_is_for_loopback_and_private);
	WM_TEST(s, test_postfix_config_routes_the_relay_recipient_to_the_pipe);
	WM_TEST(s, test_postfix_config_without_capture_relays_normally);
	WM_TEST(s, test_lighttpd_config_keeps_portal_and_admin_apart);
	WM_TEST(s, test_create_refuses_an_existing_instance_unless_forced);
	WM_TEST(s, test_create_refuses_unsafe_directory_names);
	WM_TEST(s, test_ctl_parses_service_names);
	WM_TEST(s, test_ctl_status_of_a_stopped_instance);
	WM_TEST(s, test_ctl_never_signals_a_process_of_a_stale_pid_file);
	WM_TEST(s, test_ctl_starts_and_stops_the_capture_sink);
	return s;
}
