// admin_pages.test.mjs - the console's settings, templates, PKI and user
// pages in a real browser on a fresh instance (captured outbound mail):
//  2. global quota set, overridden for a domain, seen on a user's page, and
//     every setting of the user page agrees with `wm-prefs get --verbose`;
//     a form with a wrong value saves nothing;
//  3. the global new-mail template edited, previewed, saved, and the next
//     delivery's notice carries the new text; a broken template is refused
//     with the ClearSilver error and the old one still works;
//  4. a webmail certificate created and downloaded; a tunnel encrypted to it
//     with stock `openssl cms` is delivered;
//  5. gateway certificates imported by upload (PEM, PKCS#12 with password),
//     whitelisted; a CRL revoking one sends its next tunnel to the postmaster;
//     a malformed upload is a clear error, never a 500;
//  6. among 10,000 users: search, disable (portal login refused), enable,
//     delete (mailbox kept; the next tunnel brings a sign-up, after which the
//     old mail is back), the mailboxes page deletes a mailbox, user cleanup
//     removes never-logged-in users;
// 11. screenshots of the settings, users and PKI pages at 1280 and 390 px.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	TOP, addUser, createInstance, gateway, launch, linkIn, listen, maildirFiles,
	outbox, smtpSend, sql, until, waitForMail, wm,
} from './lib.mjs';

const SHOTS = join(TOP, 'tests/out/screenshots');
const ADMIN_PW = 'Harbour-Console-Lantern-73';
const USER_PW = 'Violet-Harbour-Lantern-42';

let inst, gw, browser, page, admin, work;

function crlf(lines) {
	return Buffer.from(lines.join('\r\n') + '\r\n');
}

function mail(to, subject) {
	return crlf([`From: Alice <alice@corp.example>`, `To: <${to}>`,
		`Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@corp.example>`,
		'Date: Mon, 30 Nov 2026 10:00:00 +0000', '', `Body of ${subject}.`]);
}

// A tunnel (wm-tunnel(5)) made with stock openssl cms.
function seal(signer, relayPem, original, recipients) {
	const head = 'Content-Type: message/rfc822\r\nWM-Tunnel-Version: 1\r\n' +
	    'WM-Envelope-Sender: alice@corp.example\r\n' +
	    recipients.map((r) => `WM-Envelope-Recipient: ${r}\r\n`).join('') + '\r\n';
	const args = ['cms', '-sign', '-binary', '-nodetach', '-signer', signer.cert,
		'-inkey', signer.key];
	if (signer.chain)
		args.push('-certfile', signer.chain);
	const signed = execFileSync('openssl', args,
		{ input: Buffer.concat([Buffer.from(head), original]) });
	return execFileSync('openssl', ['cms', '-encrypt', '-binary', '-aes256',
		relayPem], { input: signed });
}

async function deliver(tunnel, recipients) {
	const before = new Map(recipients.map((r) => [r, maildirFiles(inst, r).length]));
	smtpSend(inst, 'gw@corp.example', [gw.relay], tunnel);
	await until(() => recipients.every((r) =>
		maildirFiles(inst, r).length > before.get(r)), 60000, 'delivery');
}

async function shoot(name) {
	mkdirSync(SHOTS, { recursive: true });
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await page.screenshot({ path: join(SHOTS, `admin-${name}-${width}.png`),
			fullPage: true });
	}
	await page.setViewportSize({ width: 1280, height: 900 });
}

async function go(path) {
	const r = await page.goto(`${admin}${path}`);
	assert.ok(r.status() < 500, `${path}: ${r.status()}`);
	return r;
}

async function submit(button) {
	const [r] = await Promise.all([page.waitForNavigation(), button.click()]);
	return r;
}

// Unchecks "inherit" of a setting and types its value.
async function setField(name, value) {
	const key = name.replace(/-/g, '_');
	await page.locator(`input[name="i_${key}"]`).uncheck();
	await page.locator(`#v_${key}`).fill(value);
}

// What the form of the current page shows for each setting: value and origin.
async function formValues() {
	return page.locator('.pref').evaluateAll((divs) => divs.map((d) => {
		const name = d.id.replace(/^pref-/, '');
		const inherit = d.querySelector('input[name^="i_"]').checked;
		const v = d.querySelector('input[name^="v_"]');
		let value;
		if (v.type === 'checkbox')
			value = v.checked ? 'yes' : 'no';
		else if (v.type === 'password')
			value = d.querySelector('.inherited-value').textContent;
		else
			value = inherit ? d.querySelector('.inherited-value').textContent : v.value;
		return { name, inherit, value, from: d.querySelector('.inherited-from').textContent };
	}));
}

// The user id of an address (lookups only).
function userId(address) {
	return sql(inst, `SELECT id FROM users WHERE address = '${address}'`);
}

async function confirmPage() {
	assert.match(await page.locator('main').textContent(), /Really|confirm/i);
	await submit(page.locator('form.confirm button[type=submit]'));
}

before(async () => {
	inst = await createInstance();
	gw = gateway(inst);
	work = mkdtempSync(join(inst.dir, 'work.'));
	admin = `https://${listen(inst, 'admin')}/admin`;
	browser = await launch();
	// Chromium asks the listener for /favicon.ico by itself; the answer
	// does not belong to these tests.
	await browser.context.route('**/favicon.ico', (r) => r.fulfill({ status: 204, body: '' }));
	page = await browser.context.newPage();
	await page.goto(`${admin}/login`);
	await page.fill('#name', 'admin');
	await page.fill('#password', 'admin');
	await submit(page.locator('main button[type=submit]'));
	await page.fill('#current', 'admin');
	await page.fill('#password', ADMIN_PW);
	await page.fill('#password2', ADMIN_PW);
	await submit(page.locator('main button[type=submit]'));
	assert.match(page.url(), /\/admin\/status/);
});

after(async () => {
	if (browser)
		await browser.close();
	if (inst)
		inst.stop();
});

describe('settings (acceptance 2)', () => {
	const U = 'bob@customer.example';

	it('a form with a wrong value shows it next to the field and saves nothing', async () => {
		await go('/settings?advanced=1');
		await setField('comment', 'should not be saved');
		await setField('min-password-strength', 'strong');
		await setField('signup-link-validity', '-5');
		const r = await submit(page.locator('form.prefs button[type=submit]'));
		assert.equal(r.status(), 400);
		assert.match(await page.locator('#min_password_strength-error').textContent(),
			/not a|number|integer/i);
		assert.ok(await page.locator('#signup_link_validity-error').count() === 1);
		assert.equal(await page.locator('#comment-error').count(), 0);
		assert.equal(await page.locator('#v_comment').inputValue(), 'should not be saved',
			'the refused form keeps what was typed');
		assert.equal(wm(inst, 'wm-prefs', ['get', 'comment']).trim(), '');
		assert.equal(wm(inst, 'wm-prefs', ['get', 'min-password-strength']).trim(), '15');
	});

	it('the global quota is set on the quota page', async () => {
		await go('/settings/quota');
		await setField('quota', '2G');
		await submit(page.locator('form.prefs button[type=submit]'));
		assert.match(page.url(), /saved=1/);
		assert.equal(wm(inst, 'wm-prefs', ['get', 'quota']).trim(), '2147483648');
		assert.equal(await page.locator('#v_quota').inputValue(), '2147483648');
		assert.equal(await page.locator('input[name="i_quota"]').isChecked(), false);
		await shoot('settings-quota');
	});

	it('the domain overrides it ("inherit" unchecked) and its page shows what it inherits', async () => {
		await go('/settings/domain?d=customer.example&page=quota');
		assert.match(await page.locator('#pref-quota .inherited').textContent(),
			/2147483648 \(from global\)/);
		await setField('quota', '5G');
		await submit(page.locator('form.prefs button[type=submit]'));
		assert.equal(wm(inst, 'wm-prefs', ['get', '--domain', 'customer.example', 'quota']).trim(),
			'5368709120');
		await go('/settings/domain');
		assert.equal(await page.locator('ul.domains a', { hasText: 'customer.example' }).count(), 1,
			'the Domains page lists the domain that has settings');
	});

	it('the user page shows the domain quota, and every setting agrees with wm-prefs', async () => {
		addUser(inst, U);
		await go(`/users/${userId(U)}`);
		assert.equal(await page.locator('#quota').getAttribute('data-bytes'), '5368709120');
		assert.match(await page.locator('#quota').textContent(), /5\.0 GB/);
		await go(`/users/${userId(U)}/settings?advanced=1`);
		const shown = [...await formValues()];
		await go(`/users/${userId(U)}/quota`);
		shown.push(...await formValues());
		assert.ok(shown.length >= 10, `${shown.length} settings on the user pages`);
		assert.ok(!shown.some((f) => f.name === 'relay-recipient'),
			'a global-only setting is not offered per user');
		for (const f of shown) {
			const cli = wm(inst, 'wm-prefs', ['get', '--user', U, '--verbose', f.name]).trim();
			const m = cli.match(/^(\S+) = (.*) \(from (\S+)( \S+)?\)$/);
			assert.ok(m, cli);
			const cliValue = m[2] === '(set)' ? '(set, hidden)' : m[2];
			assert.equal(f.value, cliValue, `${f.name}: page ${f.value}, wm-prefs ${m[2]}`);
			const origin = m[3] === 'domain' ? 'customer.example' : m[3];
			assert.equal(f.from, origin, `${f.name} comes from ${origin}`);
		}
		await go(`/users/${userId(U)}/quota`);
		assert.match(await page.locator('#pref-quota .inherited').textContent(),
			/5368709120 \(from customer\.example\)/);
	});

	it('global preferences, advanced settings and the webmail page render; secrets stay hidden', async () => {
		await go('/settings');
		assert.equal(await page.locator('#pref-server-secret').count(), 0,
			'advanced settings wait for the link');
		await submit(page.locator('a.advanced'));
		assert.equal(await page.locator('#pref-server-secret').count(), 1);
		const secret = sql(inst, "SELECT value FROM properties WHERE name = 'server-secret'");
		assert.ok(secret.length >= 16);
		assert.ok(!(await page.content()).includes(secret), 'the server secret is not on the page');
		await shoot('settings');
		await go('/settings/webmail');
		assert.equal(await page.locator('.pref').count(), 3);
	});
});

describe('templates (acceptance 3)', () => {
	const CAROL = 'carol@customer.example';
	const NEW = [
		'From: <?cs var:from ?>', 'To: <?cs var:to ?>',
		'Subject: Harbour notice for <?cs var:address ?>', '',
		'BRAND-NEW-NOTICE: <?cs var:unseen ?> unread, see <?cs var:link ?>', ''].join('\n');

	it('the global new-mail template is edited, previewed and saved', async () => {
		await go('/templates');
		await submit(page.locator('a', { hasText: 'new-mail' }));
		await page.locator('#source').fill(NEW);
		await submit(page.getByRole('button', { name: 'preview' }));
		assert.match(await page.locator('#preview').textContent(),
			/Subject: Harbour notice for alice@example\.com[\s\S]*BRAND-NEW-NOTICE: 3 unread/);
		assert.equal(wm(inst, 'wm-notify', ['template-list']).match(/new-mail\t(\S+)/)[1], 'file',
			'a preview saves nothing');
		await submit(page.getByRole('button', { name: 'save' }));
		assert.match(await page.locator('.notice').textContent(), /saved/);
		assert.equal(await page.locator('#template-from').textContent(), 'global');
	});

	it('the next delivery\'s notice carries the new text', async () => {
		addUser(inst, CAROL, USER_PW);
		const seen = new Set(outbox(inst).map((m) => m.name));
		await deliver(gw.seal(mail(CAROL, 'First report'), [CAROL]), [CAROL]);
		const notice = await waitForMail(inst, CAROL, /BRAND-NEW-NOTICE: 1 unread/, seen);
		assert.match(notice.text, /Subject: Harbour notice for carol@customer\.example/);
	});

	it('a template with a syntax error is refused with the ClearSilver error; the old one still works', async () => {
		await page.locator('#source').fill(NEW.replace('BRAND-NEW', '<?cs if:unseen ?>BROKEN'));
		const r = await submit(page.getByRole('button', { name: 'save' }));
		assert.equal(r.status(), 400);
		assert.match(await page.locator('#source-error').textContent(), /ParseError|terminated|IF/i);
		assert.match(wm(inst, 'wm-notify', ['template-get', 'new-mail']), /BRAND-NEW-NOTICE/);
		const seen = new Set(outbox(inst).map((m) => m.name));
		await deliver(gw.seal(mail(CAROL, 'Second report'), [CAROL]), [CAROL]);
		await waitForMail(inst, CAROL, /BRAND-NEW-NOTICE: 2 unread/, seen);
		await shoot('templates');
	});

	it('reset goes back to the shipped template', async () => {
		await go('/templates/edit?name=new-mail');
		await submit(page.getByRole('button', { name: 'reset to inherited' }));
		assert.equal(await page.locator('#template-from').textContent(), 'the shipped file');
	});
});

describe('webmail certificate (acceptance 4)', () => {
	it('is created and downloaded; a tunnel encrypted to it is delivered', async () => {
		await go('/webmail-cert');
		const before = await page.locator('table.certs tbody tr').count();
		await page.fill('#subject', 'Webmail relay 2027');
		await submit(page.getByRole('button', { name: 'create' }));
		assert.equal(await page.locator('table.certs tbody tr').count(), before + 1,
			'the old certificate stays for the roll-over');
		const row = page.locator('table.certs tbody tr', { hasText: 'Webmail relay 2027' });
		const [d] = await Promise.all([page.waitForEvent('download'),
			row.getByRole('link', { name: 'PEM' }).click()]);
		const pem = readFileSync(await d.path(), 'utf8');
		assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
		assert.ok(!/PRIVATE/.test(pem), 'no key in the download');
		const relayPem = join(work, 'relay-2027.pem');
		writeFileSync(relayPem, pem);
		assert.match(execFileSync('openssl', ['x509', '-in', relayPem, '-noout', '-subject'],
			{ encoding: 'utf8' }), /Webmail relay 2027/);
		const DAVE = 'dave@customer.example';
		addUser(inst, DAVE);
		await deliver(sealWithGateway(relayPem, mail(DAVE, 'Via the new certificate'), [DAVE]), [DAVE]);
		assert.match(readFileSync(maildirFiles(inst, DAVE)[0], 'utf8'), /Via the new certificate/);
		await shoot('webmail-cert');
	});
});

// The gateway of lib.mjs signs; the tunnel is encrypted to relayPem.
let gwSigner;
function sealWithGateway(relayPem, original, recipients) {
	if (!gwSigner) {
		const dir = mkdtempSync(join(inst.dir, 'sig.'));
		gwSigner = { cert: join(dir, 's.pem'), key: join(dir, 's.key') };
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes',
			'-keyout', gwSigner.key, '-out', gwSigner.cert, '-days', '30',
			'-subj', '/CN=second gateway/emailAddress=gw2@corp.example',
			'-addext', 'keyUsage=critical,digitalSignature,nonRepudiation',
			'-addext', 'extendedKeyUsage=emailProtection',
			'-addext', 'subjectAltName=email:gw2@corp.example'], { stdio: 'ignore' });
		wm(inst, 'wm-pki', ['import', '--whitelist', gwSigner.cert]);
	}
	return seal(gwSigner, relayPem, original, recipients);
}

describe('PKI (acceptance 5)', () => {
	let ca, relayPem, pemGw, p12Gw;
	const ERIN = 'erin@customer.example';

	before(() => {
		ca = join(work, 'gwca');
		// The test CA helpers of the shell tests (openssl req/ca).
		execFileSync('bash', ['-c', `source "${TOP}/tests/pkica.sh"; cd "${work}" &&
			mkca "${ca}" "Gateway Issuing CA" && issue "${ca}" gwpem smime &&
			issue "${ca}" gwp12 smime &&
			openssl pkcs12 -export -in gwp12.pem -inkey gwp12.key -certfile "${ca}/ca.pem" \
			    -passout pass:p12-upload-secret -out gwp12.p12`], { stdio: 'ignore' });
		// A gateway sends its chain along, so a CRL of its CA can be checked.
		pemGw = { cert: join(work, 'gwpem.pem'), key: join(work, 'gwpem.key'),
			chain: join(ca, 'ca.pem') };
		p12Gw = { cert: join(work, 'gwp12.pem'), key: join(work, 'gwp12.key'),
			chain: join(ca, 'ca.pem') };
		relayPem = join(work, 'relay-current.pem');
		writeFileSync(relayPem, wm(inst, 'wm-pki', ['webmail-cert']));
		addUser(inst, ERIN);
	});

	async function upload(path, file, password) {
		await go(path);
		await page.setInputFiles('#file', file);
		if (password !== undefined)
			await page.fill('#password', password);
		return submit(page.getByRole('button', { name: 'import' }));
	}

	it('a malformed upload is a clear error, not a 500', async () => {
		const junk = join(work, 'junk.pem');
		writeFileSync(junk, 'this is no certificate\n');
		const r = await upload('/certs', junk);
		assert.equal(r.status(), 400);
		assert.match(await page.locator('#file-error').textContent(), /not a certificate/);
		const r2 = await upload('/certs', join(work, 'gwp12.p12'), 'wrong password');
		assert.equal(r2.status(), 400);
		assert.match(await page.locator('#file-error').textContent(), /password/i);
	});

	it('imports a gateway certificate as PEM and one as PKCS#12 with its password', async () => {
		await upload('/certs', pemGw.cert);
		assert.match(await page.locator('.notice').textContent(), /Imported/);
		await upload('/certs', join(work, 'gwp12.p12'), 'p12-upload-secret');
		await go('/certs?q=corp.example');
		const rows = page.locator('table.certs tbody tr', { hasText: /gwpem|gwp12/ });
		assert.equal(await rows.count(), 2);
		for (const name of ['gwpem', 'gwp12'])
			assert.match(await page.locator('tr', { hasText: `CN=${name}` }).locator('.status').textContent(),
				/untrusted/);
		assert.ok(!(await page.content()).includes('p12-upload-secret'));
	});

	it('whitelists both; tunnels signed by them are delivered', async () => {
		await go('/certs?q=corp.example');
		for (const name of ['gwpem', 'gwp12'])
			await page.locator('tr', { hasText: `CN=${name}` }).locator('input[name=sel]').check();
		await submit(page.getByRole('button', { name: 'whitelist selected', exact: true }));
		await go('/certs?q=corp.example');
		for (const name of ['gwpem', 'gwp12'])
			assert.equal(await page.locator('tr', { hasText: `CN=${name}` }).locator('.status').textContent(),
				'whitelisted');
		await shoot('certificates');
		await deliver(seal(p12Gw, relayPem, mail(ERIN, 'Signed by the PKCS12 gateway'), [ERIN]), [ERIN]);
		await deliver(seal(pemGw, relayPem, mail(ERIN, 'Signed by the PEM gateway'), [ERIN]), [ERIN]);
	});

	it('a CRL revoking one is imported; its next tunnel goes to the postmaster', async () => {
		execFileSync('bash', ['-c', `cd "${work}" && openssl ca -config "${ca}/ca.cnf" -revoke gwp12.pem &&
			openssl ca -config "${ca}/ca.cnf" -gencrl -out gw.crl`], { stdio: 'ignore' });
		await upload('/crls', join(work, 'gw.crl'));
		assert.match(await page.locator('table.crls').textContent(), /Gateway Issuing CA/);
		assert.match(await page.locator('table.crls tbody tr').first().textContent(), /20\d\d-/,
			'the next update is listed');
		await shoot('crls');
		await go('/certs?q=gwp12');
		assert.equal(await page.locator('tr', { hasText: 'CN=gwp12' }).locator('.status').textContent(),
			'revoked');
		const pm = wm(inst, 'wm-prefs', ['get', 'postmaster']).trim();
		const seen = new Set(outbox(inst).map((m) => m.name));
		const stored = maildirFiles(inst, ERIN).length;
		smtpSend(inst, 'gw@corp.example', [gw.relay],
			seal(p12Gw, relayPem, mail(ERIN, 'After the revocation'), [ERIN]));
		const report = await waitForMail(inst, pm, /revoked/i, seen);
		assert.match(report.text, /not delivered|revoked/i);
		assert.equal(maildirFiles(inst, ERIN).length, stored, 'nothing was stored for the user');
		await deliver(seal(pemGw, relayPem, mail(ERIN, 'PEM gateway still fine'), [ERIN]), [ERIN]);
	});

	it('a local CA issues a certificate that downloads as PKCS#12 with a password', async () => {
		await go('/ca');
		await submit(page.getByRole('button', { name: 'create CA' }));
		assert.match(await page.locator('table.certs').textContent(), /Webmail Local CA[\s\S]*trusted root/);
		await page.fill('#issue-subject', 'Gateway signing');
		await page.fill('#issue-email', 'signer@corp.example');
		await submit(page.getByRole('button', { name: 'issue certificate' }));
		assert.equal(await page.locator('#status').textContent(), 'trusted');
		await page.fill('#password', 'p12-download-pass');
		const [d] = await Promise.all([page.waitForEvent('download'),
			page.getByRole('button', { name: 'download PKCS#12' }).click()]);
		const p12 = join(work, 'issued.p12');
		writeFileSync(p12, readFileSync(await d.path()));
		const certs = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin',
			'pass:p12-download-pass', '-nokeys'], { encoding: 'utf8' });
		assert.match(certs, /CN ?= ?Gateway signing/);
		assert.match(certs, /CN ?= ?Webmail Local CA/, 'the CA certificate goes with it');
		assert.throws(() => execFileSync('openssl', ['pkcs12', '-in', p12, '-passin',
			'pass:wrong', '-noout'], { stdio: 'ignore' }));
		await shoot('ca');
	});
});

describe('security of these pages', () => {
	it('a POST without the CSRF token changes nothing (403)', async () => {
		const req = browser.context.request;
		for (const [path, form] of [
			['/settings/quota', { i_quota: '', v_quota: '7G' }],
			['/certs/action', { op: 'delete', sel: '1' }],
			['/users/cleanup', { kind: 'never', days: '0', confirm: 'yes' }],
			['/templates/edit', { name: 'new-mail', op: 'reset' }],
		]) {
			const r = await req.post(`${admin}${path}`, { form, maxRedirects: 0 });
			assert.equal(r.status(), 403, path);
		}
		assert.equal(wm(inst, 'wm-prefs', ['get', 'quota']).trim(), '2147483648');
	});

	it('an upload larger than the limit is refused before it is read (413), never a 500', async () => {
		await go('/certs');
		const csrf = await page.locator('form[action$="/certs/import"] input[name=csrf]').inputValue();
		const r = await browser.context.request.post(`${admin}/certs/import`, {
			multipart: { csrf, file: { name: 'big.pem', mimeType: 'application/octet-stream',
				buffer: Buffer.alloc(6 * 1024 * 1024, 65) } },
			maxRedirects: 0 });
		assert.equal(r.status(), 413);
	});

	it('a domain\'s template is set and previewed at domain scope', async () => {
		await go('/templates?d=customer.example');
		await submit(page.locator('a', { hasText: 'signup' }));
		const src = await page.locator('#source').inputValue();
		await page.locator('#source').fill(src.replace('Hello,', 'Hello from customer.example,'));
		await submit(page.getByRole('button', { name: 'save' }));
		assert.equal(await page.locator('#template-from').textContent(), 'domain');
		assert.equal(wm(inst, 'wm-notify', ['template-list', '--user', 'bob@customer.example'])
			.match(/signup\t(\S+)/)[1], 'domain');
		assert.equal(wm(inst, 'wm-notify', ['template-list']).match(/signup\t(\S+)/)[1], 'file',
			'the global one is untouched');
	});
});

describe('users (acceptance 6)', () => {
	const FRANK = 'frank.needle@customer.example';

	before(() => {
		// 10,000 accounts as delivery makes them, in one statement.
		const db = join(inst.dir, 'db', 'wm.db');
		execFileSync('sqlite3', [existsSync(db) ? db : join(inst.dir, 'wm.db'),
			"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) " +
			"INSERT INTO users (address, domain, created) SELECT printf('bulk%05d@bulk.example', i), " +
			"'bulk.example', strftime('%s','now') - 864000 FROM n;"]);
	});

	async function portalLogin(address, password) {
		const p = await browser.context.newPage();
		await p.goto(`${inst.portal}/login`);
		await p.getByLabel('Email address').fill(address);
		await p.getByLabel('Password').fill(password);
		await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: 'Log in' }).click()]);
		const text = await p.locator('main').textContent();
		const url = p.url();
		await p.close();
		return { text, url };
	}

	it('search finds one user among 10,000', async () => {
		addUser(inst, FRANK, USER_PW);
		await deliver(gw.seal(mail(FRANK, 'Old mail for Frank'), [FRANK]), [FRANK]);
		await go('/users');
		assert.equal(await page.locator('table.users tbody tr').count(), 50, 'a page of 50');
		await submit(page.locator('a[rel=next]'));
		assert.equal(await page.locator('table.users tbody tr').count(), 50);
		await page.fill('#q', 'needle');
		await submit(page.getByRole('button', { name: 'Search' }));
		const rows = page.locator('table.users tbody tr');
		assert.equal(await rows.count(), 1);
		assert.match(await rows.textContent(), /frank\.needle@customer\.example/);
		await shoot('users');
	});

	it('disable refuses the portal login; enable allows it again', async () => {
		await submit(page.locator('a', { hasText: FRANK }));
		assert.match(await page.locator('#password-state').textContent(), /^Password is set$/);
		assert.equal(await page.locator('#totp-state').textContent(), 'off');
		assert.match(await page.locator('#location').textContent(), /frank\.needle=40customer\.example/);
		await submit(page.getByRole('button', { name: 'disable' }));
		assert.equal(await page.locator('#account-state').textContent(), 'disabled');
		const refused = await portalLogin(FRANK, USER_PW);
		assert.match(refused.text, /not enabled|disabled/i);
		assert.doesNotMatch(refused.url, /inbox/);
		await submit(page.getByRole('button', { name: 'enable' }));
		assert.equal(await page.locator('#account-state').textContent(), 'enabled');
		const ok = await portalLogin(FRANK, USER_PW);
		assert.match(ok.url, /\/portal\/inbox/);
		await page.reload();
		assert.notEqual(await page.locator('#last-login').textContent(), 'never');
		await shoot('user');
	});

	it('delete keeps the mailbox; the next tunnel brings a sign-up and the old mail is back', async () => {
		await submit(page.getByRole('button', { name: 'delete user' }));
		await confirmPage();
		assert.equal(userId(FRANK), '', 'the account is gone');
		assert.equal(maildirFiles(inst, FRANK).length, 1, 'the mailbox stays');
		const seen = new Set(outbox(inst).map((m) => m.name));
		await deliver(gw.seal(mail(FRANK, 'New mail for Frank'), [FRANK]), [FRANK]);
		const invitation = linkIn(inst, await waitForMail(inst, FRANK, /\/signup\?/, seen), '/signup');
		const p = await browser.context.newPage();
		await p.goto(invitation);
		await p.getByLabel('New password', { exact: true }).fill(USER_PW);
		await p.getByLabel('New password again').fill(USER_PW);
		await Promise.all([p.waitForNavigation(),
			p.getByRole('button', { name: /Set (new )?password/ }).click()]);
		await p.close();
		const ok = await portalLogin(FRANK, USER_PW);
		assert.match(ok.url, /\/portal\/inbox/);
		assert.match(ok.text, /Old mail for Frank/);
		assert.match(ok.text, /New mail for Frank/);
	});

	it('the mailboxes page deletes a mailbox (mail gone, account kept)', async () => {
		await go('/mailboxes?q=frank');
		const row = page.locator('table.mailboxes tbody tr', { hasText: FRANK });
		assert.equal(await row.count(), 1);
		assert.doesNotMatch(await row.textContent(), /0 bytes/);
		await shoot('mailboxes');
		await row.locator('input[name=sel]').check();
		await submit(page.getByRole('button', { name: 'delete selected mailboxes' }));
		await confirmPage();
		assert.equal(maildirFiles(inst, FRANK).length, 0, 'the mail is gone');
		assert.notEqual(userId(FRANK), '', 'the account stays');
		assert.equal(sql(inst, `SELECT count(*) FROM messages WHERE mailbox = '${FRANK}'`), '0');
	});

	it('user cleanup removes the users who never logged in', async () => {
		await go('/users/cleanup?kind=never&days=5');
		assert.equal(await page.locator('table.idle tbody tr').count(), 100, 'the first 100 are shown');
		assert.match(await page.locator('main').textContent(), /More users match/);
		await submit(page.getByRole('button', { name: 'delete these users' }));
		await confirmPage();
		assert.match(await page.locator('.notice').textContent(), /10000 users removed/);
		assert.equal(sql(inst, "SELECT count(*) FROM users WHERE domain = 'bulk.example'"), '0');
		assert.notEqual(userId(FRANK), '', 'a user who logged in stays');
		await shoot('user-cleanup');
	});

	it('every change is in the audit with the admin\'s name', () => {
		const rows = sql(inst, "SELECT actor || ' ' || action FROM audit");
		for (const action of ['pref-set', 'template-set', 'user-disable', 'user-enable',
			'user-delete', 'mailbox-purge', 'pki-import', 'pki-whitelist',
			'pki-crl-import', 'pki-ca-create', 'pki-ca-issue', 'pki-relay-create'])
			assert.match(rows, new RegExp(`^admin ${action}$`, 'm'), action);
		assert.ok(!rows.includes('p12-upload-secret') && !rows.includes('p12-download-pass'));
		assert.equal(sql(inst, "SELECT client || '|' || ifnull(old_value, '-') || '|' || new_value " +
			"FROM audit WHERE action = 'pref-set' AND object = 'quota at domain customer.example'"),
		'127.0.0.1|-|5368709120', 'a settings change names the client, the old and the new value');
		assert.match(sql(inst, "SELECT client || ' ' || object FROM audit WHERE action = 'template-set'"),
			/^127\.0\.0\.1 template new-mail at global$/m);
	});
});
