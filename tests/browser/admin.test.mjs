// admin.test.mjs - the admin console in a real browser on a fresh instance:
// the default admin/admin must choose a new password before any page opens
// (a weak one refused with its reason); the status page counts three
// delivered tunnels and one sent to the postmaster, and its graph has those
// points; a test email arrives with its headers and CR/LF in the subject is
// refused; with the next hop down a portal reply shows deferred on the
// queue page, flush and delete work; Stop/Start MTA and restart, reboot,
// shutdown run their configured commands after a confirmation; the audit
// page and wm-audit list --json name the admin; screenshots at 1280 and 390
// px; the security headers, cookie flags and CSRF on the console's pages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
	BIN, TOP, addUser, createInstance, gateway, launch, listen, outbox,
	smtpSend, sql, until, waitForMail, wm,
} from './lib.mjs';

const BOB = 'bob@customer.example';
const GOOD = 'Violet-Harbour-Lantern-42';
const ADMIN_PW = 'Quiet-Meadow-Falcon-77';
const SHOTS = join(TOP, 'tests/out/screenshots');

let inst, gw, browser, page, A;

function crlf(lines) {
	return Buffer.from(lines.join('\r\n') + '\r\n');
}

function original(n) {
	return crlf([
		'From: Alice <alice@corp.example>', `To: <${BOB}>`,
		`Subject: Status test ${n}`, `Message-ID: <status-${n}@corp.example>`,
		'Date: Wed, 02 Dec 2026 06:00:00 +0000', '', `Mail number ${n}.`]);
}

async function shoot(name, width) {
	mkdirSync(SHOTS, { recursive: true });
	await page.setViewportSize({ width, height: 900 });
	await page.screenshot({ path: join(SHOTS, `admin-${name}-${width}.png`),
		fullPage: true });
	await page.setViewportSize({ width: 1280, height: 900 });
}

function portOpen(hostport) {
	const [host, port] = hostport.split(':');
	return new Promise((resolve) => {
		const s = createConnection({ host, port: Number(port) });
		s.on('connect', () => { s.destroy(); resolve(true); });
		s.on('error', () => resolve(false));
	});
}

// Sets [commands] entries of the instance's wm.conf.
function setCommands(cmds) {
	let conf = readFileSync(inst.conf, 'utf8');
	for (const [k, v] of Object.entries(cmds)) {
		conf = conf.replace(new RegExp(`^${k} = .*\\n`, 'm'), '');
		conf = conf.replace(/^\[commands\]\n/m, `[commands]\n${k} = ${v}\n`);
	}
	writeFileSync(inst.conf, conf);
}

// A POST outside the page; a keep-alive connection the server closed in the
// meantime is a transport hiccup, tried once more.
async function post(url, options) {
	try {
		return await browser.context.request.post(url, options);
	} catch (e) {
		if (!/ECONNRESET|socket hang up/.test(e.message))
			throw e;
		return browser.context.request.post(url, options);
	}
}

async function login(name, password) {
	await page.goto(`${A}/login`);
	await page.getByLabel('Name').fill(name);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Login' }).click();
}

// Presses a dangerous button, checks the confirmation page, confirms.
async function confirmed(button, confirmText) {
	await page.locator(button).click();
	await page.waitForURL(/\/admin\/(control|queue)\/[a-z-]+$/);
	assert.equal(await page.locator('h1').textContent(), 'Please confirm');
	await page.getByRole('button', { name: confirmText, exact: true }).click();
}

describe('admin console', () => {
	before(async () => {
		inst = await createInstance();
		A = `https://${listen(inst, 'admin')}/admin`;
		gw = gateway(inst);
		browser = await launch();
		page = browser.context.pages()[0] || await browser.context.newPage();
		await page.setViewportSize({ width: 1280, height: 900 });
	});
	after(async () => {
		if (browser)
			await browser.close();
		if (inst)
			inst.stop();
	});

	it('a fresh box: wm-ctl status says the default password is set', () => {
		assert.match(wm(inst, 'wm-ctl', ['status']), /default admin password is still set/);
		assert.match(wm(inst, 'wm-ctl', ['status', '--json']), /"default_admin_password": true/);
	});

	it('admin/admin logs in and every console URL leads to the change page', async () => {
		await login('admin', 'admin');
		await page.waitForURL(/\/admin\/password$/);
		for (const u of ['/status', '/queue', '/control', '/testmail', '/logs',
			'/audit', '/logs/download', '/graph/deliveries.svg', '/queue/headers?id=ABCDEF123']) {
			const r = await page.goto(`${A}${u}`);
			assert.match(page.url(), /\/admin\/password$/, `${u} redirects`);
			assert.equal(r.status(), 200);
		}
		const r = await post(`${A}/control/reboot`, {
			form: { csrf: await page.locator('input[name=csrf]').first().inputValue() },
			maxRedirects: 0,
		});
		assert.equal(r.status(), 303, 'a POST before the change is not served either');
		assert.match(r.headers().location, /\/admin\/password$/);
	});

	it('a weak password is refused with its reason; a strong one opens the status page', async () => {
		await page.getByLabel('Current password').fill('admin');
		await page.getByLabel('New password', { exact: true }).fill('admin123');
		await page.getByLabel('New password again').fill('admin123');
		await page.getByRole('button', { name: 'Change password' }).click();
		assert.match(await page.locator('#password-error').textContent(), /based on|too weak|keyboard/);
		await page.getByLabel('Current password').fill('admin');
		await page.getByLabel('New password', { exact: true }).fill(ADMIN_PW);
		await page.getByLabel('New password again').fill(ADMIN_PW);
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.waitForURL(/\/admin\/status\?changed=1$/);
		assert.equal(await page.locator('h1').textContent(), 'System status');
		assert.doesNotMatch(wm(inst, 'wm-ctl', ['status']), /default admin password/);
	});

	it('cookies and headers: HttpOnly, Secure, SameSite=Strict, Path=/admin; CSP, DENY, no-store', async () => {
		const c = (await browser.context.cookies()).find((x) => x.name === 'wmadmin');
		assert.ok(c, 'session cookie');
		assert.equal(c.httpOnly, true);
		assert.equal(c.secure, true);
		assert.equal(c.sameSite, 'Strict');
		assert.equal(c.path, '/admin');
		for (const u of ['/status', '/queue', '/control', '/testmail', '/logs', '/audit']) {
			const r = await page.goto(`${A}${u}`);
			assert.equal(r.status(), 200, u);
			const h = r.headers();
			assert.match(h['content-security-policy'], /default-src 'none'/);
			assert.doesNotMatch(h['content-security-policy'], /script-src/);
			assert.equal(h['x-frame-options'], 'DENY');
			assert.equal(h['cache-control'], 'no-store');
			assert.equal(await page.locator('script').count(), 0, `${u} has no script`);
		}
		for (const u of ['/control/reboot', '/queue/flush', '/testmail', '/password']) {
			const r = await post(`${A}${u}`, {
				form: { to: 'x@example.com' }, maxRedirects: 0 });
			assert.equal(r.status(), 403, `POST ${u} without the CSRF token`);
		}
	});

	it('the status page counts 3 delivered tunnels and 1 sent to the postmaster; the graph has them', async () => {
		addUser(inst, BOB, GOOD);
		for (const n of [1, 2, 3])
			smtpSend(inst, 'gw@corp.example', [gw.relay], gw.seal(original(n), [BOB]));
		smtpSend(inst, 'gw@corp.example', [gw.relay], crlf(['From: x@corp.example',
			`To: ${gw.relay}`, 'Subject: not a tunnel', '', 'plain text']));
		await until(() => sql(inst, `SELECT count(*) FROM messages WHERE mailbox = '${BOB}'`) === '3',
			60000, 'three stored mails');
		await until(async () => {
			await page.goto(`${A}/status`);
			return await page.locator('#postmaster-hour').textContent() === '1';
		}, 60000, 'the postmaster count');
		assert.equal(await page.locator('#delivered-hour').textContent(), '3');
		assert.equal(await page.locator('#delivered-day').textContent(), '3');
		assert.equal(await page.locator('#postmaster-day').textContent(), '1');
		assert.equal(await page.locator('#users').textContent(), '1');
		assert.equal(await page.locator('#mailboxes').textContent(), '1');
		assert.match(await page.locator('#q-deferred').textContent(), /^\d+$/);
		assert.match(await page.locator('#disk-free').textContent(), /B$/);
		for (const range of ['24h', '7d', '30d']) {
			const svg = await (await browser.context.request.get(
				`${A}/graph/deliveries.svg?range=${range}`)).text();
			const points = [...svg.matchAll(/data-v="(\d+)"/g)].map((m) => Number(m[1]));
			assert.equal(points.reduce((a, b) => a + b, 0), 3, `${range}: 3 deliveries`);
			assert.doesNotMatch(svg, /<script/i);
		}
		const pm = await (await browser.context.request.get(`${A}/graph/postmaster.svg`)).text();
		assert.deepEqual([...pm.matchAll(/data-v="(\d+)"/g)].map((m) => m[1]), ['1']);
		const logins = await (await browser.context.request.get(`${A}/graph/logins.svg`)).text();
		assert.match(logins, /data-v="[1-9]/, 'the admin login is a point');
		assert.equal(await page.locator('img.graph').count(), 4);
		await shoot('status', 1280);
		await shoot('status', 390);
	});

	it('a test email arrives with the given headers; CR/LF in the subject is refused', async () => {
		await page.goto(`${A}/testmail`);
		// An input cannot hold a line break: a textarea stands in for it.
		await page.evaluate(() => {
			const s = document.querySelector('#subject');
			const t = document.createElement('textarea');
			t.name = 'subject'; t.id = 'subject';
			s.replaceWith(t);
		});
		await page.getByLabel('To', { exact: true }).fill('Zoë <zoe@example.net>, max@example.org');
		await page.getByLabel('From').fill('Admin <admin@box.example>');
		await page.locator('#subject').fill('Hello\r\nBcc: evil@example.com');
		await page.getByLabel('Body (max 4096 characters)').fill('x');
		await page.getByRole('button', { name: 'Send' }).click();
		assert.match(await page.locator('#subject-error').textContent(), /subject: line breaks/);
		assert.equal(await page.locator('#to-error').count(), 0, 'only the wrong field is marked');
		const seen = new Set(outbox(inst).map((m) => m.name));
		await page.goto(`${A}/testmail`);
		await page.getByLabel('To', { exact: true }).fill('Zoë <zoe@example.net>, max@example.org');
		await page.getByLabel('Cc', { exact: true }).fill('cc@example.org');
		await page.getByLabel('Bcc').fill('hidden@example.org');
		await page.getByLabel('From').fill('Admin <admin@box.example>');
		await page.getByLabel('Sender').fill('bounce@box.example');
		await page.getByLabel('Subject').fill('Prüfung ✓');
		await page.getByLabel('Additional headers').fill('X-Test-Case: seven\nX-Other: two');
		await page.getByLabel('Body (max 4096 characters)').fill('Grüße aus dem Test.');
		await page.getByRole('button', { name: 'Send' }).click();
		await page.waitForURL(/\/admin\/testmail\?sent=1$/);
		const mail = await waitForMail(inst, 'zoe@example.net', /X-Test-Case: seven/, seen);
		assert.match(mail.text, /X-Other: two/);
		assert.match(mail.text, /^Cc: cc@example.org/m);
		assert.doesNotMatch(mail.text, /^Bcc:/im, 'Bcc is not written into the mail');
		assert.match(mail.text, /X-Rcpt-Args: <hidden@example\.org>/, 'but is a recipient');
		assert.match(mail.text, /Subject: =\?utf-8\?/i);
		assert.match(mail.text, /bounce@box\.example/);
	});

	it('with the next hop down a portal reply is deferred on the queue page; flush and delete work', async () => {
		wm(inst, 'wm-ctl', ['stop', 'sink']);
		const id = sql(inst, `SELECT id FROM messages WHERE mailbox = '${BOB}' ORDER BY id LIMIT 1`);
		const portal = await browser.context.newPage();
		await portal.goto(`${inst.portal}/login`);
		await portal.getByLabel('Email address').fill(BOB);
		await portal.getByLabel('Password').fill(GOOD);
		await portal.getByRole('button', { name: 'Log in' }).click();
		await portal.waitForURL(/\/portal\/inbox$/);
		await portal.goto(`${inst.portal}/reply/${id}`);
		await portal.getByLabel('Message').fill('A reply while the next hop is down.');
		await portal.getByRole('button', { name: 'Send' }).click();
		await portal.waitForURL(/\/portal\/sent$/);
		await portal.close();
		// Other mail may be deferred too (a notice sent meanwhile): the reply
		// is the row addressed to its recipient.
		const reply = () => page.locator('tr[data-queue="deferred"]', { hasText: 'alice@corp.example' });
		await until(async () => {
			await page.goto(`${A}/queue`);
			return await reply().count() > 0;
		}, 60000, 'the deferred reply on the queue page');
		const row = reply().first();
		assert.match(await row.locator('td.reason').textContent(), /refused|connect|Connection/i);
		await shoot('queue', 1280);
		// The next hop is back: flush delivers the deferred reply at once.
		const seen = new Set(outbox(inst).map((m) => m.name));
		wm(inst, 'wm-ctl', ['start', 'sink']);
		await page.locator('#flush').click();
		await page.waitForURL(/\/admin\/queue\?done=flush$/);
		await waitForMail(inst, 'alice@corp.example', /next hop is down/, seen);
		await until(async () => {
			await page.goto(`${A}/queue`);
			return await page.locator('tr[data-queue="deferred"]').count() === 0;
		}, 60000, 'the queue to empty');
	});

	it('queue actions and runtime control need root: the console runs its configured commands', async () => {
		// Production runs these through sudo -n (conf/sudoers.d/wm); this
		// machine has no sudo, so the test's lighttpd runs the console as root
		// and the commands are the same wm-ctl calls without sudo.
		const ctl = `${BIN}/wm-ctl -c ${inst.conf}`;
		setCommands({
			queue: `${ctl} queue`, 'mta-stop': `${ctl} stop postfix`,
			'mta-start': `${ctl} start postfix`,
			restart: `/usr/bin/touch ${inst.dir}/restart.marker`,
			reboot: `/usr/bin/touch ${inst.dir}/reboot.marker`,
			shutdown: `/usr/bin/touch ${inst.dir}/shutdown.marker`,
		});
		const lconf = join(inst.dir, 'lighttpd/lighttpd.conf');
		writeFileSync(lconf, readFileSync(lconf, 'utf8')
			.replace(/^server\.(username|groupname) = .*\n/gm, ''));
		wm(inst, 'wm-ctl', ['restart', 'lighttpd']);
		// The session lives in the database: it outlives the restart.
		const r = await page.goto(`${A}/status`);
		assert.equal(r.status(), 200);
	});

	it('hold, release, headers and delete of a queued mail', async () => {
		wm(inst, 'wm-ctl', ['stop', 'sink']);
		wm(inst, 'wm-testmail', ['--to', 'queued@example.net', '--from', 'admin@box.example',
			'--subject', 'to be deleted'], 'body\n');
		const queued = page.locator('tr[data-queue="deferred"]', { hasText: 'queued@example.net' });
		await until(async () => {
			await page.goto(`${A}/queue`);
			return await queued.count() === 1;
		}, 60000, 'the test mail deferred').catch(async (e) => {
			throw new Error(`${e.message}:\n${await page.locator('main').textContent()}`);
		});
		const qid = await queued.getAttribute('data-id');
		await page.locator(`input[value="${qid}"]`).check();
		await page.locator('#hold').click();
		await page.waitForURL(/done=hold$/);
		assert.equal(await page.locator(`tr[data-id="${qid}"]`).getAttribute('data-queue'), 'hold');
		await page.locator(`input[value="${qid}"]`).check();
		await page.locator('#release').click();
		await page.waitForURL(/done=release$/);
		assert.notEqual(await page.locator(`tr[data-id="${qid}"]`).getAttribute('data-queue'), 'hold');
		await page.goto(`${A}/queue/headers?id=${qid}`);
		assert.match(await page.locator('#headers').textContent(), /Subject: to be deleted/);
		await page.goto(`${A}/queue`);
		await page.locator(`input[value="${qid}"]`).check();
		await confirmed('#delete', 'Delete');
		await page.waitForURL(/done=delete$/);
		assert.equal(await page.locator(`tr[data-id="${qid}"]`).count(), 0);
		assert.doesNotMatch(wm(inst, 'wm-ctl', ['queue', 'list']), new RegExp(qid));
		wm(inst, 'wm-ctl', ['start', 'sink']);
	});

	it('Stop MTA: stopped and the SMTP port closed; Start MTA: running', async () => {
		const smtp = listen(inst, 'smtp');
		await page.goto(`${A}/control`);
		assert.equal(await page.locator('#mta-status').textContent(), 'running');
		await confirmed('#mta-stop', 'Stop MTA');
		await page.waitForURL(/\/admin\/control\?done=mta-stop$/);
		assert.equal(await page.locator('#mta-status').textContent(), 'stopped');
		assert.equal(await portOpen(smtp), false, 'the SMTP port is closed');
		await confirmed('#mta-start', 'Start MTA');
		await page.waitForURL(/\/admin\/control\?done=mta-start$/);
		assert.equal(await page.locator('#mta-status').textContent(), 'running');
		assert.equal(await portOpen(smtp), true, 'the SMTP port is open again');
	});

	it('restart, reboot and shutdown ask first, then run their configured commands', async () => {
		for (const [what, button] of [['restart', 'Restart'], ['reboot', 'Reboot'],
			['shutdown', 'Shutdown']]) {
			const marker = join(inst.dir, `${what}.marker`);
			await page.goto(`${A}/control`);
			await page.locator(`#${what}`).click();
			assert.equal(await page.locator('h1').textContent(), 'Please confirm');
			assert.equal(existsSync(marker), false, `${what} waits for the confirmation`);
			await page.getByRole('button', { name: button, exact: true }).click();
			await page.waitForURL(new RegExp(`done=${what}$`));
			await until(() => existsSync(marker), 10000, `${what} marker`);
		}
	});

	it('the logs page shows the mail log newest first and filters by queue id', async () => {
		await page.goto(`${A}/logs?log=mail`);
		const lines = (await page.locator('#lines').textContent()).trim().split('\n');
		assert.ok(lines.length > 5, 'lines shown');
		const stamps = lines.map((l) => l.slice(0, 15));
		assert.ok(stamps[0] >= stamps[stamps.length - 1], 'newest first');
		const qid = lines.join('\n').match(/postfix[-\w]*\/[\w/]+\[\d+\]: ([0-9A-F]{8,}):/)[1];
		await page.getByLabel('Text or queue id').fill(qid);
		await page.getByRole('button', { name: 'Filter' }).click();
		const only = (await page.locator('#lines').textContent()).trim().split('\n');
		assert.ok(only.every((l) => l.includes(qid)), 'only that queue id');
		await page.goto(`${A}/logs?log=box`);
		assert.match(await page.locator('#lines').textContent(), /admin login admin/);
		const dl = await browser.context.request.get(`${A}/logs/download?log=box`);
		assert.match(dl.headers()['content-disposition'], /attachment/);
		assert.match(await dl.text(), /admin login admin/);
	});

	it('the audit page and wm-audit list --json list the changes with the admin name', async () => {
		await page.goto(`${A}/audit?actor=admin`);
		const actions = await page.locator('#audit td.action').allTextContents();
		for (const a of ['admin-password', 'testmail', 'queue-flush', 'queue-hold',
			'queue-release', 'queue-delete', 'control'])
			assert.ok(actions.includes(a), `${a} on the audit page`);
		const actors = await page.locator('#audit td.actor').allTextContents();
		assert.ok(actors.every((x) => x === 'admin'));
		const json = JSON.parse(wm(inst, 'wm-audit', ['list', '--actor', 'admin', '--json']));
		for (const a of ['admin-password', 'testmail', 'queue-delete', 'control'])
			assert.ok(json.some((e) => e.action === a && e.actor === 'admin' &&
			    e.client === '127.0.0.1'), `${a} in wm-audit`);
		assert.ok(json.some((e) => e.action === 'control' && e.object === 'mta-stop'));
		const pw = json.find((e) => e.action === 'admin-password');
		assert.equal(pw.new, '********', 'the password is masked');
		assert.ok(!JSON.stringify(json).includes(ADMIN_PW));
		await shoot('audit', 1280);
		await shoot('audit', 390);
	});

	it('the administrators page adds, disables and deletes an admin; the last enabled one is kept', async () => {
		await page.goto(`${A}/admins`);
		await page.getByLabel('Name').fill('carol');
		await page.getByLabel('First password (to be changed at the first login)').fill('Carol-First-Pass-93');
		await page.getByRole('button', { name: 'Add' }).click();
		await page.waitForURL(/\/admin\/admins\?done=1$/);
		const carol = page.locator('tr[data-name="carol"]');
		assert.match(await carol.locator('td.state').textContent(), /enabled, must change password/);
		await carol.getByRole('button', { name: 'Disable' }).click();
		await page.waitForURL(/done=1$/);
		assert.equal(await carol.locator('td.state').textContent(), 'disabled, must change password');
		const r = await page.locator('tr[data-name="admin"]').getByRole('button', { name: 'Disable' }).click();
		assert.match(await page.locator('p.error').textContent(), /last enabled admin/);
		await page.goto(`${A}/admins`);
		await carol.getByRole('button', { name: 'Delete' }).click();
		assert.equal(await page.locator('h1').textContent(), 'Please confirm');
		await page.getByRole('button', { name: 'Delete', exact: true }).click();
		await page.waitForURL(/done=1$/);
		assert.equal(await page.locator('tr[data-name="carol"]').count(), 0);
		assert.doesNotMatch(wm(inst, 'wm-admin', ['list']), /carol/);
		assert.ok(JSON.parse(wm(inst, 'wm-audit', ['list', '--actor', 'admin', '--json']))
			.some((e) => e.action === 'admin-delete' && e.object === 'admin carol'));
	});

	it('two-factor login: enrolment with a code, then the login asks for one', async () => {
		await page.goto(`${A}/account`);
		assert.equal(await page.locator('#totp-state').textContent(), 'Two-factor login is off.');
		await page.getByRole('button', { name: 'Set up two-factor login' }).click();
		const secret = await page.locator('#totp-secret').textContent();
		assert.match(await page.locator('img.qr').getAttribute('src'), /^data:image\/svg\+xml/);
		const code = (t) => execFileSync('oathtool', ['--totp', '-b', '-N', `@${t}`, secret],
			{ encoding: 'utf8' }).trim();
		const now = Math.floor(Date.now() / 1000);
		await page.getByLabel('Code').fill(code(now));
		await page.getByRole('button', { name: 'Turn on' }).click();
		await page.waitForURL(/\/admin\/account\?done=1$/);
		assert.equal(await page.locator('#totp-state').textContent(), 'Two-factor login is on.');
		await page.getByRole('button', { name: 'Log out' }).click();
		await page.waitForURL(/\/admin\/login\?out=1$/);
		await login('admin', ADMIN_PW);
		await page.waitForURL(/\/admin\/totp$/);
		let r = await page.goto(`${A}/status`);
		assert.match(page.url(), /\/admin\/totp$/, 'no page before the code');
		await page.getByLabel('Code').fill('000000');
		await page.getByRole('button', { name: 'Continue' }).click();
		assert.match(await page.locator('p.error').textContent(), /not right/);
		// The enrolment used this step's code: the login needs a newer one.
		await page.getByLabel('Code').fill(code(now + 30));
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.waitForURL(/\/admin\/status$/);
		wm(inst, 'wm-admin', ['reset-2fa', 'admin']);
		assert.match(wm(inst, 'wm-admin', ['list']), /^admin\tenabled\tno-2fa/m);
	});
});
