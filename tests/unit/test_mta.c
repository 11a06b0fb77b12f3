/*
 * test_mta.c - the MTA fields (lib/mta.c): validation and canonical forms,
 * the open-relay guard, relations between sizes, storage in the database,
 * and the Postfix parameters generated from them; the network validation of
 * lib/netcfg.c.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mta.h"
#include "netcfg.h"
#include "testutil.h"

static char *
set_get(const char *field, const char *value, int force, int *rc, struct wm_err *err)
{
	struct wm_mta *m = wm_mta_defaults();
	char *v;

	*rc = wm_mta_set(m, field, value, force, err);
	v = strdup(wm_mta_get(m, wm_mta_find(field)));
	wm_mta_free(m);
	return v;
}

static void
assert_refused(const char *field, const char *value)
{
	struct wm_err err;
	int rc;

	free(set_get(field, value, 0, &rc, &err));
	ck_assert_msg(rc == -1, "%s %s accepted", field, value);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_msg(strncmp(err.msg, field, strlen(field)) == 0 &&
	    err.msg[strlen(field)] == ':', "message does not name %s: %s", field, err.msg);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
}

static void
assert_canon(const char *field, const char *value, const char *want)
{
	struct wm_err err;
	char *v;
	int rc;

	v = set_get(field, value, 0, &rc, &err);
	ck_assert_msg(rc == 0, "%s %s: %s", field, value, err.msg);
	ck_assert_str_eq(v, want);
	free(v);
}

START_TEST(test_mta_networks_are_cidr_v4_and_v6_canonical)
{
	assert_canon("my-networks", "10.1.2.0/24, 192.168.1.1/32", "10.1.2.0/24 192.168.1.1/32");
	assert_canon("my-networks", "[2001:DB8::]/32 ::1/128", "2001:db8::/32 ::1/128");
	assert_canon("my-networks", "10.0.0.0/8 10.0.0.0/8", "10.0.0.0/8");
	assert_canon("my-networks", "", "");
	assert_refused("my-networks", "10.0.0.0");
	assert_refused("my-networks", "10.0.0.1/24");
	assert_refused("my-networks", "10.0.0.0/33");
	assert_refused("my-networks", "10.0.0.0/-1");
	assert_refused("my-networks", "10.0.0.0/8x");
	assert_refused("my-networks", "2001:db8::/129");
	assert_refused("my-networks", "example.com/24");
}
END_TEST

START_TEST(test_mta_open_relay_needs_force)
{
	struct wm_err err;
	char *v;
	int rc;

	assert_refused("my-networks", "0.0.0.0/0");
	assert_refused("my-networks", "::/0");
	assert_refused("my-networks", "10.0.0.0/7");
	assert_refused("my-networks", "2000::/3");
	v = set_get("my-networks", "0.0.0.0/0", 1, &rc, &err);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(v, "0.0.0.0/0");
	free(v);
}
END_TEST

START_TEST(test_mta_names_ports_sizes_codes)
{
	assert_canon("relay-domains", "Example.COM sub.example.com", "example.com sub.example.com");
	assert_refused("relay-domains", "exa_mple.com");
	assert_refused("relay-domains", "a..b");
	assert_refused("relay-domains", "-a.example");
	assert_canon("my-hostname", "Box.Example.com", "box.example.com");
	assert_refused("my-hostname", "box example");
	assert_canon("external-relay-host", "192.0.2.1", "192.0.2.1");
	assert_canon("external-relay-host", "", "");
	assert_refused("external-relay-host", "a/b");
	assert_canon("external-relay-port", "587", "587");
	assert_refused("external-relay-port", "0");
	assert_refused("external-relay-port", "65536");
	assert_refused("external-relay-port", "+25");
	assert_canon("before-filter-size-limit", "10M", "10485760");
	assert_refused("before-filter-size-limit", "ten");
	assert_canon("match-subdomains", "on", "yes");
	assert_refused("match-subdomains", "maybe");
	assert_canon("reject-unverified-code", "550", "550");
	assert_refused("reject-unverified-code", "554");
	assert_refused("smtp-helo-name", "helo\r\nRCPT");
}
END_TEST

START_TEST(test_mta_sizes_keep_their_order)
{
	struct wm_mta *m = wm_mta_defaults();
	struct wm_err err;

	ck_assert_int_eq(wm_mta_validate(m, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "after-filter-size-limit", "1000", 0, &err), 0);
	ck_assert_int_eq(wm_mta_validate(m, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "after-filter-size-limit:"));
	ck_assert_int_eq(wm_mta_set(m, "after-filter-size-limit", "200M", 0, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "before-filter-size-limit", "300M", 0, &err), 0);
	ck_assert_int_eq(wm_mta_validate(m, &err), -1);
	ck_assert_msg(strncmp(err.msg, "before-filter-size-limit:", 25) == 0, "%s", err.msg);
	wm_mta_free(m);
}
END_TEST

START_TEST(test_mta_change_stores_only_valid_values)
{
	char *dir = wm_test_tmpdir();
	struct wm_db *db = wm_test_db(dir);
	struct wm_mta *m;
	struct wm_err err;

	ck_assert_int_eq(wm_mta_change(db, "t", WM_MTA_OP_ADD, "my-networks",
	    "192.0.2.0/24", 0, &err), 0);
	ck_assert_int_eq(wm_mta_change(db, "t", WM_MTA_OP_ADD, "my-networks",
	    "0.0.0.0/0", 0, &err), -1);
	ck_assert_int_eq(wm_mta_change(db, "t", WM_MTA_OP_SET,
	    "after-filter-size-limit", "1", 0, &err), -1);
	ck_assert_int_eq(wm_mta_change(db, "t", WM_MTA_OP_REMOVE, "my-networks",
	    "::1/128", 0, &err), 0);
	ck_assert_int_eq(wm_mta_change(db, "t", WM_MTA_OP_REMOVE, "my-networks",
	    "198.51.100.0/24", 0, &err), -1);
	m = wm_mta_load(db, &err);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(wm_mta_get(m, WM_MTA_MY_NETWORKS), "127.0.0.1/32 192.0.2.0/24");
	ck_assert_str_eq(wm_mta_get(m, WM_MTA_AFTER_SIZE), "209715200");
	ck_assert_int_eq(wm_mta_is_set(m, WM_MTA_AFTER_SIZE), 0);
	wm_mta_free(m);
	wm_db_close(db);
	wm_test_rmdir(dir);
}
END_TEST

static char *
generate(struct wm_mta *m)
{
	struct wm_config *c = wm_config_new("/srv/box");
	struct wm_buf b;

	wm_config_set(c, "listen", "smtp", "127.0.0.1:30001");
	wm_config_set(c, "listen", "relay", "127.0.0.1:30002");
	wm_buf_init(&b);
	ck_assert_int_eq(wm_mta_main_cf(&b, m, c, "relay@box.example"), 0);
	ck_assert_int_eq(wm_mta_master_opts(&b, m, c, "relay"), 0);
	wm_config_free(c);
	return wm_buf_take(&b);
}

START_TEST(test_mta_generates_the_postfix_parameters)
{
	struct wm_mta *m = wm_mta_defaults();
	struct wm_err err;
	char *cf;

	ck_assert_int_eq(wm_mta_set(m, "relay-domains", "example.com", 0, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "internal-relay-host", "mail.corp.example", 0, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "external-relay-host", "smtp.isp.example", 0, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "external-relay-mx", "yes", 0, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "external-relay-port", "587", 0, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "webmail-relay-host", "10.0.0.9", 0, &err), 0);
	ck_assert_int_eq(wm_mta_set(m, "reject-unverified-recipient", "yes", 0, &err), 0);
	cf = generate(m);
	ck_assert_ptr_nonnull(strstr(cf, "relayhost = smtp.isp.example:587\n"));
	ck_assert_ptr_nonnull(strstr(cf, "relay_domains = box.example example.com\n"));
	ck_assert_ptr_nonnull(strstr(cf, "transport_maps = inline:{ relay@box.example=wmdeliver:, "
	    "example.com=smtp:[mail.corp.example]:25 }\n"));
	ck_assert_ptr_nonnull(strstr(cf, "relay_recipient_maps = inline:{ relay@box.example=ok }, "
	    "regexp:{ {/@example\\.com$$/ ok} }\n"));
	ck_assert_ptr_nonnull(strstr(cf, "mynetworks = 127.0.0.1/32, [::1]/128\n"));
	ck_assert_ptr_nonnull(strstr(cf, "reject_unverified_recipient\n"));
	ck_assert_ptr_nonnull(strstr(cf, "unverified_recipient_reject_code = 450\n"));
	ck_assert_ptr_nonnull(strstr(cf, "smtp_helo_name = $myhostname\n"));
	ck_assert_ptr_nonnull(strstr(cf, "-o content_filter=smtp:[10.0.0.9]:25\n"));
	ck_assert_ptr_null(strstr(cf, "relay_domains\n"));
	free(cf);
	ck_assert_int_eq(wm_mta_set(m, "match-subdomains", "yes", 0, &err), 0);
	cf = generate(m);
	ck_assert_ptr_nonnull(strstr(cf, ".example.com=smtp:[mail.corp.example]:25"));
	ck_assert_ptr_nonnull(strstr(cf, "{/[@.]example\\.com$$/ ok}"));
	ck_assert_ptr_nonnull(strstr(cf, "smtpd_access_maps,relay_domains\n"));
	free(cf);
	wm_mta_free(m);
}
END_TEST

START_TEST(test_mta_box_owned_parameters)
{
	ck_assert(wm_mta_param_owned("transport_maps"));
	ck_assert(wm_mta_param_owned("header_checks"));
	ck_assert(wm_mta_param_owned("relay_recipient_maps"));
	ck_assert(wm_mta_param_owned("queue_directory"));
	ck_assert(!wm_mta_param_owned("delay_warning_time"));
	ck_assert(!wm_mta_param_owned("smtpd_tls_cert_file"));
}
END_TEST

START_TEST(test_net_static_addresses_prefixes_and_masks)
{
	struct wm_net_static st;
	struct wm_err err;

	ck_assert_int_eq(wm_net_parse_static("192.168.1.5/255.255.255.0", "192.168.1.1",
	    "192.168.1.255", &st, &err), 0);
	ck_assert_int_eq(st.prefix, 24);
	ck_assert_int_eq(wm_net_parse_static("2001:db8::5/64", "2001:db8::1", NULL, &st, &err), 0);
	ck_assert_int_eq(wm_net_parse_static("192.168.1.5/255.0.255.0", NULL, NULL, &st, &err), -1);
	ck_assert_int_eq(wm_net_parse_static("192.168.1.5/0", NULL, NULL, &st, &err), -1);
	ck_assert_int_eq(wm_net_parse_static("192.168.1.0/24", NULL, NULL, &st, &err), -1);
	ck_assert_int_eq(wm_net_parse_static("10.0.0.1/31", NULL, NULL, &st, &err), 0);
	ck_assert_int_eq(wm_net_parse_static("192.168.1.5/24", "192.168.2.1", NULL, &st, &err), -1);
	ck_assert_int_eq(wm_net_parse_static("2001:db8::5/64", NULL, "2001:db8::ff", &st, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
}
END_TEST

START_TEST(test_net_hostnames)
{
	struct wm_err err;
	int warn;

	ck_assert_int_eq(wm_net_hostname_ok("box.example.com", &warn, &err), 0);
	ck_assert_int_eq(warn, 0);
	ck_assert_int_eq(wm_net_hostname_ok("box", &warn, &err), 0);
	ck_assert_int_eq(warn, 1);
	ck_assert_int_eq(wm_net_hostname_ok("box_1.example", &warn, &err), -1);
	ck_assert_int_eq(wm_net_hostname_ok("-box.example", &warn, &err), -1);
	ck_assert_int_eq(wm_net_hostname_ok("box..example", &warn, &err), -1);
	ck_assert_int_eq(wm_net_hostname_ok("", &warn, &err), -1);
}
END_TEST

Suite *
wm_test_suite(void)
{
	Suite *s = suite_create("mta");

	WM_TEST(s, test_mta_networks_are_cidr_v4_and_v6_canonical);
	WM_TEST(s, test_mta_open_relay_needs_force);
	WM_TEST(s, test_mta_names_ports_sizes_codes);
	WM_TEST(s, test_mta_sizes_keep_their_order);
	WM_TEST(s, test_mta_change_stores_only_valid_values);
	WM_TEST(s, test_mta_generates_the_postfix_parameters);
	WM_TEST(s, test_mta_box_owned_parameters);
	WM_TEST(s, test_net_static_addresses_prefixes_and_masks);
	WM_TEST(s, test_net_hostnames);
	return s;
}
