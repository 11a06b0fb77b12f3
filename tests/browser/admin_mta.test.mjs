// admin_mta.test.mjs - the console's MTA config and network info pages in a
// real browser (acceptance 11 of issue 8):
//  - a relay domain, a network and the size limits set through the MTA page
//    end in main.cf and behave as wm-mtacfg's do: 127.0.0.2 may relay, mail
//    to the relay domain reaches a sink playing the internal relay host, one
//    byte over the before-filter limit is 552; a refused value is shown next
//    to its field and nothing is stored;
//  - the network info page, served by an instance running in a network
//    namespace made here, shows the namespace's veth interface.
// The console runs as the wm user and applies through [commands] mta-apply
// (sudo wm-mtacfg apply in production); this test has no sudo, so its admin
// listener runs as root with mta-apply = wm-mtacfg apply directly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync,
	writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, TOP, createInstance, launch, listen, outbox, until, wm } from './lib.mjs';

const ADMIN_PW = 'Harbour-Console-Lantern-73';
const PY = '/usr/bin/python3';
let inst, browser, page, admin, sink;

async function submit(button) {
	const [r] = await Promise.all([page.waitForNavigation(), button.click()]);
	return r;
}

async function login(p, base) {
	await p.goto(`${base}/login`);
	await p.fill('#name', 'admin');
	await p.fill('#password', 'admin');
	await Promise.all([p.waitForNavigation(), p.locator('main button[type=submit]').click()]);
	await p.fill('#current', 'admin');
	await p.fill('#password', ADMIN_PW);
	await p.fill('#password2', ADMIN_PW);
	await Promise.all([p.waitForNavigation(), p.locator('main button[type=submit]').click()]);
}

// The code an SMTP transaction from source gets (250 when accepted).
function smtpCode(source, to, size = 0) {
	const script = `
import smtplib, sys
port, src, to, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
msg = b"From: a@corp.example\\r\\nTo: " + to.encode() + b"\\r\\nSubject: t\\r\\n\\r\\nHi.\\r\\n"
s = smtplib.SMTP("127.0.0.1", int(port), source_address=(src, 0), timeout=30)
try:
    if size:
        s.ehlo("c.example")
        print(s.mail("a@corp.example", ["SIZE=%d" % size])[0])
    else:
        s.sendmail("a@corp.example", [to], msg)
        print(250)
except smtplib.SMTPRecipientsRefused as e:
    print(list(e.recipients.values())[0][0])
except smtplib.SMTPResponseException as e:
    print(e.smtp_code)
`;
	const port = listen(inst, 'smtp').split(':')[1];
	return execFileSync(PY, ['-c', script, port, source, to, String(size)],
		{ encoding: 'utf8' }).trim();
}

function freePort() {
	return execFileSync(PY, [join(TOP, 'tests/tools/free_port.py')],
		{ encoding: 'utf8' }).trim();
}

function mainCf(param) {
	return execFileSync('postconf', ['-c', join(inst.dir, 'postfix'), '-h', param],
		{ encoding: 'utf8' }).trim();
}

before(async () => {
	inst = await createInstance();
	// The admin listener as root (no sudo here), applying directly.
	const lconf = join(inst.dir, 'lighttpd/lighttpd.conf');
	writeFileSync(lconf, readFileSync(lconf, 'utf8')
		.replace(/^server\.(username|groupname) = .*$/mg, ''));
	appendFileSync(inst.conf, `\n[commands]\nmta-apply = ${BIN}/wm-mtacfg -c ${inst.conf} apply\n` +
		`mta-raw = ${BIN}/wm-mtacfg -c ${inst.conf} raw set --file ${inst.dir}/run/mta-raw.cf\n` +
		`dkim-create = ${BIN}/wm-mtacfg -c ${inst.conf} dkim create\n` +
		// Network files in a scratch root, never this machine's /etc (no --apply).
		`net = ${inst.dir}/net-command\n[paths]\nroot = ${inst.dir}/netroot\n`);
	// Like sudo's env_reset, the command does not see how the console is
	// reached: the page itself must guard that address.  Each run is logged.
	writeFileSync(join(inst.dir, 'net-command'), '#!/bin/sh\n' +
		`echo "$*" >>${inst.dir}/net-command.log\n` +
		`exec env -u SERVER_ADDR -u SSH_CONNECTION ${BIN}/wm-netcfg -c ${inst.conf} ` +
		`--root ${inst.dir}/netroot "$@"\n`);
	chmodSync(join(inst.dir, 'net-command'), 0o755);
	mkdirSync(join(inst.dir, 'netroot/etc/systemd'), { recursive: true });
	writeFileSync(join(inst.dir, 'netroot/etc/hostname'), 'debian\n');
	writeFileSync(join(inst.dir, 'netroot/etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n');
	writeFileSync(join(inst.dir, 'netroot/etc/resolv.conf'), 'nameserver 192.168.1.1\n');
	execFileSync(join(BIN, 'wm-ctl'), ['-c', inst.conf, 'restart', 'lighttpd']);
	admin = `https://${listen(inst, 'admin')}/admin`;
	browser = await launch();
	await browser.context.route('**/favicon.ico', (r) => r.fulfill({ status: 204, body: '' }));
	page = await browser.context.newPage();
	await login(page, admin);
});

after(async () => {
	await browser?.close();
	sink?.kill();
	inst?.stop();
});

describe('MTA config page', () => {
	it('a network added on the page lets 127.0.0.2 relay after Apply', async () => {
		assert.equal(smtpCode('127.0.0.2', 'bob@external.example'), '554');
		await page.goto(`${admin}/mta`);
		await page.fill('#add_network', '127.0.0.2/32');
		await submit(page.locator('#add-network'));
		assert.match(await page.locator('#my-networks').textContent(), /127\.0\.0\.2\/32/);
		await submit(page.locator('#apply'));
		assert.match(await page.locator('main').textContent(), /Postfix now uses/);
		assert.match(mainCf('mynetworks'), /127\.0\.0\.2\/32/);
		assert.equal(smtpCode('127.0.0.2', 'bob@external.example'), '250');
	});

	it('an open-relay network is refused next to its field', async () => {
		await page.goto(`${admin}/mta`);
		await page.fill('#add_network', '0.0.0.0/0');
		await page.locator('#add-network').click();
		await page.waitForLoadState();
		assert.match(await page.locator('#add_network-error').textContent(), /open relay/);
		assert.doesNotMatch(wm(inst, 'wm-mtacfg', ['show']), /0\.0\.0\.0/);
	});

	it('a relay domain set on the page reaches the internal relay host', async () => {
		const port = freePort();
		const dir = join(inst.dir, 'internal');
		mkdirSync(dir);
		chmodSync(dir, 0o777);
		sink = spawn('smtp-sink', ['-u', 'nobody', '-d', `${dir}/%Y%m%d%H%M%S.`,
			`127.0.0.1:${port}`, '10'], { stdio: 'ignore' });
		await page.goto(`${admin}/mta`);
		await page.fill('#add_domain', 'example.com');
		await submit(page.locator('#add-domain'));
		await page.fill('#internal_relay_host', '127.0.0.1');
		await page.fill('#internal_relay_port', port);
		await submit(page.locator('#apply'));
		assert.match(mainCf('relay_domains'), /example\.com/);
		assert.match(mainCf('transport_maps'), new RegExp(`example\\.com=smtp:\\[127\\.0\\.0\\.1\\]:${port}`));
		assert.equal(smtpCode('127.0.0.3', 'user@example.com'), '250');
		assert.equal(smtpCode('127.0.0.3', 'user@sub.example.com'), '554');
		await until(() => readdirSync(dir).some((f) =>
			readFileSync(join(dir, f), 'utf8').includes('<user@example.com>')), 30000, 'internal relay host');
	});

	it('size limits set in the advanced settings are enforced; after < before is refused', async () => {
		await page.goto(`${admin}/mta?advanced=1`);
		await page.fill('#before_filter_size_limit', '5000');
		await page.fill('#after_filter_size_limit', '4000');
		await page.locator('#apply').click();
		await page.waitForLoadState();
		assert.match(await page.locator('#after_filter_size_limit-error').textContent(),
			/smaller than before-filter-size-limit/);
		assert.match(wm(inst, 'wm-mtacfg', ['show']), /^before-filter-size-limit = 104857600$/m);
		await page.fill('#before_filter_size_limit', '5000');
		await page.fill('#after_filter_size_limit', '10000');
		await submit(page.locator('#apply'));
		const smtp = listen(inst, 'smtp');
		assert.match(execFileSync('postconf', ['-c', join(inst.dir, 'postfix'), '-P',
			`${smtp}/inet/message_size_limit`], { encoding: 'utf8' }), /= 5000$/m);
		assert.equal(mainCf('message_size_limit'), '10000');
		assert.equal(smtpCode('127.0.0.1', 'x@external.example', 5000), '250');
		assert.equal(smtpCode('127.0.0.1', 'x@external.example', 5001), '552');
	});
});

describe('MTA raw config page', () => {
	it('a main.cf postfix check refuses is shown as refused and changes nothing', async () => {
		const path = join(inst.dir, 'postfix/main.cf');
		const before = readFileSync(path);
		await page.goto(`${admin}/mta/raw`);
		const text = await page.locator('#maincf').inputValue();
		assert.equal(text, before.toString());
		await page.fill('#maincf', text + 'mail_owner = no_such_user_wm\n');
		await page.locator('#save-raw').click();
		await page.waitForLoadState();
		assert.match(await page.locator('#maincf-error').textContent(), /postfix check refused/);
		assert.ok(readFileSync(path).equals(before), 'main.cf byte-identical');
		await page.fill('#maincf', text.replace(/^transport_maps = .*$/m, 'transport_maps ='));
		await page.locator('#save-raw').click();
		await page.waitForLoadState();
		assert.match(await page.locator('#maincf-error').textContent(), /transport_maps/);
		assert.ok(readFileSync(path).equals(before), 'main.cf still byte-identical');
	});

	it('an accepted main.cf is saved and used', async () => {
		await page.goto(`${admin}/mta/raw`);
		const text = await page.locator('#maincf').inputValue();
		await page.fill('#maincf', text + 'delay_warning_time = 4h\n');
		await submit(page.locator('#save-raw'));
		assert.match(await page.locator('main').textContent(), /main\.cf saved/);
		assert.equal(mainCf('delay_warning_time'), '4h');
		assert.ok(!readFileSync(join(inst.dir, 'postfix/main.cf'), 'utf8').includes('\r'),
			'the textarea\'s CRLF is saved as LF');
		assert.equal(smtpCode('127.0.0.2', 'bob@external.example'), '250');
	});
});

// python3-dkim given the published TXT value in place of DNS: exit 0 when
// the mail verifies (tamper: with its body changed first).
function dkimVerifies(text, txt, tamper) {
	const script = `
import dkim, sys
txt, tamper = sys.argv[1].encode(), sys.argv[2] == "1"
raw = sys.stdin.buffer.read().replace(b"\\r\\n", b"\\n").replace(b"\\n", b"\\r\\n")
if tamper:
    raw = raw.replace(b"Signed by the page.", b"Signed by the pages.")
sys.exit(0 if dkim.verify(raw, dnsfunc=lambda name, timeout=5:
    txt if name == b"pg1._domainkey.box.example." else None) else 1)
`;
	try {
		execFileSync(PY, ['-c', script, txt, tamper ? '1' : '0'], { input: text });
		return true;
	} catch {
		return false;
	}
}

describe('DKIM page', () => {
	it('a refused selector is shown next to its field and no key is made', async () => {
		await page.goto(`${admin}/mta/dkim`);
		assert.equal(await page.locator('#no-record').count(), 1);
		await page.fill('#selector', 'a.b');
		await page.fill('#domain', 'box.example');
		await page.locator('#create-key').click();
		await page.waitForLoadState();
		assert.equal(await page.locator('#selector-error').count(), 1);
		assert.equal(await page.locator('#no-record').count(), 1);
	});

	it('a key created on the page gives the TXT record wm-mtacfg dkim show prints', async () => {
		await page.goto(`${admin}/mta/dkim`);
		await page.fill('#selector', 'pg1');
		await page.fill('#domain', 'box.example');
		await submit(page.locator('#create-key'));
		const record = (await page.locator('#record').textContent()).trim();
		assert.match(record, /^pg1\._domainkey\.box\.example\. IN TXT "v=DKIM1; .*p=/);
		assert.equal(record, wm(inst, 'wm-mtacfg', ['dkim', 'show']).trim());
		assert.match(await page.locator('#signing-state').textContent(), /off/);
	});

	it('signing turned on on the page signs what the box sends; off removes the milter', async () => {
		await page.goto(`${admin}/mta/dkim`);
		await submit(page.locator('#enable-signing'));
		assert.match(await page.locator('#signing-state').textContent(), /on/);
		assert.match(mainCf('non_smtpd_milters'), /opendkim/);
		const txt = JSON.parse(wm(inst, 'wm-mtacfg', ['dkim', 'show', '--json'])).txt;
		const sendmail = readFileSync(inst.conf, 'utf8').match(/^sendmail = (.*)$/m)[1].split(' ');
		const seen = new Set(outbox(inst).map((m) => m.name));
		execFileSync(sendmail[0], [...sendmail.slice(1), '-f', 'notices@box.example',
			'frank@external.example'], { input: 'From: Notices <notices@box.example>\r\n' +
			'To: frank@external.example\r\nSubject: dkim from the page\r\n' +
			'Message-ID: <page-signed@box.example>\r\n\r\nSigned by the page.\r\n' });
		const mail = await until(() => outbox(inst).find((m) => !seen.has(m.name) &&
			m.text.includes('Subject: dkim from the page')), 30000, 'the signed mail');
		assert.match(mail.text, /DKIM-Signature: .*d=box\.example/);
		assert.ok(dkimVerifies(mail.text, txt, false), 'the signature verifies');
		assert.ok(!dkimVerifies(mail.text, txt, true), 'a changed body fails');
		await submit(page.locator('#disable-signing'));
		assert.match(await page.locator('#signing-state').textContent(), /off/);
		assert.equal(mainCf('non_smtpd_milters'), '');
	});
});

describe('network settings page', () => {
	const root = () => join(inst.dir, 'netroot/etc');

	it('a bad hostname and no DNS server are refused next to their fields', async () => {
		await page.goto(`${admin}/network/settings`);
		await page.fill('#hostname', 'bad_name.example');
		await page.fill('#dns', '');
		await page.locator('#apply-net').click();
		await page.waitForLoadState();
		assert.match(await page.locator('#hostname-error').textContent(), /not a host name/);
		assert.match(await page.locator('#dns-error').textContent(), /at least one/);
		assert.equal(readFileSync(join(root(), 'hostname'), 'utf8'), 'debian\n');
	});

	it('hostname, DNS and NTP end in the Debian files', async () => {
		await page.goto(`${admin}/network/settings`);
		await page.fill('#hostname', 'box.example.com');
		await page.fill('#dns', '192.0.2.53 192.0.2.54');
		await page.fill('#search', 'corp.example');
		await page.fill('#ntp', '');
		await submit(page.locator('#apply-net'));
		assert.match(await page.locator('main').textContent(), /were applied/);
		assert.equal(readFileSync(join(root(), 'hostname'), 'utf8'), 'box.example.com\n');
		assert.match(readFileSync(join(root(), 'hosts'), 'utf8'), /^127\.0\.1\.1\tbox\.example\.com box$/m);
		assert.equal(readFileSync(join(root(), 'resolv.conf'), 'utf8'),
			'search corp.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n');
		assert.match(readFileSync(join(root(), 'systemd/timesyncd.conf'), 'utf8'),
			/^NTP=0\.debian\.pool\.ntp\.org /m);
	});
});

describe('network interfaces and hosts pages', () => {
	const root = () => join(inst.dir, 'netroot/etc');
	const netRuns = () => existsSync(join(inst.dir, 'net-command.log')) ?
		readFileSync(join(inst.dir, 'net-command.log'), 'utf8') : '';

	it('a static address on the page ends in the interface stanza', async () => {
		await page.goto(`${admin}/network/interfaces`);
		await page.fill('#iface', 'wmtest0');
		await page.check('#mode-static');
		await page.fill('#address', '192.0.2.10/24');
		await page.fill('#gateway', '192.0.2.1');
		await page.fill('#broadcast', '192.0.2.255');
		await submit(page.locator('#apply-iface'));
		assert.match(await page.locator('main').textContent(), /interface was configured/);
		assert.equal(readFileSync(join(root(), 'network/interfaces.d/wmtest0'), 'utf8'),
			'# wmtest0, written by wm-netcfg(8)\nauto wmtest0\niface wmtest0 inet static\n\taddress 192.0.2.10/24\n' +
			'\tgateway 192.0.2.1\n\tbroadcast 192.0.2.255\n');
	});

	it('changing the interface the console is reached on is refused unless forced', async () => {
		const runs = netRuns();
		await page.goto(`${admin}/network/interfaces`);
		await page.fill('#iface', 'lo');
		await page.check('#mode-static');
		await page.fill('#address', '127.0.0.9/8');
		await page.locator('#apply-iface').click();
		await page.waitForLoadState();
		assert.match(await page.locator('#force-error').textContent(),
			/lo carries 127\.0\.0\.1, the address the console is reached on/);
		assert.equal(netRuns(), runs, 'no privileged command ran');
		assert.ok(!existsSync(join(root(), 'network/interfaces.d/lo')));
		await page.fill('#address', '127.0.0.9/8');
		await page.check('#force');
		await submit(page.locator('#apply-iface'));
		assert.match(readFileSync(join(root(), 'network/interfaces.d/lo'), 'utf8'),
			/address 127\.0\.0\.9\/8/);
		assert.match(netRuns(), /^interface lo static 127\.0\.0\.9\/8 --force$/m);
	});

	it('a bad address is refused next to its field', async () => {
		await page.goto(`${admin}/network/interfaces`);
		await page.fill('#iface', 'wmtest1');
		await page.fill('#address', '192.0.2.300/24');
		await page.locator('#apply-iface').click();
		await page.waitForLoadState();
		assert.ok(await page.locator('#address-error').count() === 1);
		assert.ok(!existsSync(join(root(), 'network/interfaces.d/wmtest1')));
	});

	it('the hosts table saved on the page is the hosts file, a bad line changes nothing', async () => {
		writeFileSync(join(root(), 'hosts'), '# kept\n127.0.0.1\tlocalhost\n');
		await page.goto(`${admin}/network/hosts`);
		assert.match(await page.locator('#hosts').inputValue(), /^127\.0\.0\.1 localhost$/m);
		await page.fill('#hosts', '127.0.0.1 localhost\n192.0.2.7 files.corp.example files\n');
		await submit(page.locator('#save-hosts'));
		assert.match(await page.locator('main').textContent(), /hosts table was saved/);
		assert.equal(readFileSync(join(root(), 'hosts'), 'utf8'),
			'# kept\n127.0.0.1 localhost\n192.0.2.7 files.corp.example files\n');
		assert.match(wm(inst, 'wm-netcfg', ['--root', join(inst.dir, 'netroot'), 'hosts', 'list']),
			/^192\.0\.2\.7 files\.corp\.example files$/m);
		await page.fill('#hosts', '192.0.2.300 bad.example\n');
		await page.locator('#save-hosts').click();
		await page.waitForLoadState();
		assert.match(await page.locator('#hosts-error').textContent(), /not an IP address/);
		assert.match(readFileSync(join(root(), 'hosts'), 'utf8'), /192\.0\.2\.7 files/);
	});
});

describe('network info page', () => {
	const ns = `wmbr${process.pid}`;
	let nsInst, nsBrowser;

	before(async () => {
		execFileSync('ip', ['netns', 'add', ns]);
		execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
		execFileSync('ip', ['-n', ns, 'link', 'add', 'wmv0', 'type', 'veth', 'peer', 'name', 'wmv1']);
		execFileSync('ip', ['-n', ns, 'addr', 'add', '10.77.0.5/24', 'broadcast', '10.77.0.255', 'dev', 'wmv0']);
		execFileSync('ip', ['-n', ns, 'link', 'set', 'wmv0', 'up']);
		execFileSync('ip', ['-n', ns, 'link', 'set', 'wmv1', 'up']);
		// A second instance whose lighttpd, and a browser, run in the namespace.
		const dir = execFileSync('mktemp', ['-d', '/tmp/wmbrns.XXXXXX'], { encoding: 'utf8' }).trim();
		chmodSync(dir, 0o755);
		execFileSync(join(BIN, 'wm-init'), ['--capture-outbound', dir], { stdio: 'ignore' });
		nsInst = { dir, conf: join(dir, 'wm.conf') };
		execFileSync('ip', ['netns', 'exec', ns, join(BIN, 'wm-ctl'), '-c', nsInst.conf,
			'start', 'lighttpd']);
		const wrapper = join(dir, 'chromium-in-ns');
		writeFileSync(wrapper, `#!/bin/sh\nexec /usr/sbin/ip netns exec ${ns} /usr/bin/chromium "$@"\n`);
		chmodSync(wrapper, 0o755);
		nsBrowser = await launch({ executablePath: wrapper });
		// Chromium's own /favicon.ico request would get a fresh login token cookie.
		await nsBrowser.context.route('**/favicon.ico', (r) => r.fulfill({ status: 204, body: '' }));
	});

	after(async () => {
		await nsBrowser?.close();
		try {
			execFileSync('ip', ['netns', 'exec', ns, join(BIN, 'wm-ctl'), '-c', nsInst.conf, 'stop'],
				{ stdio: 'ignore' });
		} finally {
			execFileSync('rm', ['-rf', nsInst.dir]);
			execFileSync('ip', ['netns', 'del', ns]);
		}
	});

	it('shows the interface of the namespace', async () => {
		const p = await nsBrowser.context.newPage();
		const base = `https://${listen(nsInst, 'admin')}/admin`;
		await login(p, base);
		await p.goto(`${base}/network`);
		const row = await p.locator('#if-wmv0').textContent();
		assert.match(row, /10\.77\.0\.5/);
		assert.match(row, /255\.255\.255\.0/);
		assert.match(row, /10\.77\.0\.255/);
		assert.match(row, /([0-9a-f]{2}:){5}[0-9a-f]{2}/);
		assert.doesNotMatch(await p.locator('#interfaces').textContent(), /\beth0\b/);
	});
});
