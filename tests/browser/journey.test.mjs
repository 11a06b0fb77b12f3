// journey.test.mjs - the whole way of one secure mail on a fresh instance
// with captured outbound mail: a gateway's tunnel (stock openssl cms) comes
// in by SMTP, the recipient is invited, chooses a password, logs in, reads
// the mail (HTML in a sandboxed frame), downloads its attachments and the
// .eml byte for byte, replies with an attachment through the relay path,
// finds the reply in Sent and logs out.  Also: other users' message ids,
// hostile HTML that must run and load nothing, read receipts, and
// screenshots at phone and desktop widths.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
	TOP, addUser, createInstance, gateway, launch, linkIn, maildirFiles,
	outbox, smtpSend, sql, until, waitForMail, wm,
} from './lib.mjs';

const BOB = 'bob@customer.example';
const ALICE = 'alice@corp.example';
const GOOD = 'Violet-Harbour-Lantern-42';
const SUBJECT = 'Ärger mit der Rechnung – 請求書 ✓';
const SHOTS = join(TOP, 'tests/out/screenshots');

let inst, gw, browser, page;

// Attachments of the first mail: binary bytes and a UTF-8 name (RFC 2231).
const BIN_ATT = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) % 256));
const TXT_ATT = Buffer.from('Übersicht für März\r\nZeile 2 – äöü\r\n');
const TXT_NAME = 'Übersicht März 2026.txt';

function crlf(lines) {
	return Buffer.from(lines.join('\r\n') + '\r\n');
}

function b64(buf) {
	return buf.toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '');
}

function journeyMail() {
	const enc = encodeURIComponent(TXT_NAME).replace(/'/g, '%27');
	return crlf([
		`From: Alice Example <${ALICE}>`,
		`To: Bob <${BOB}>`,
		`Subject: =?UTF-8?B?${Buffer.from(SUBJECT).toString('base64')}?=`,
		'Date: Sat, 28 Nov 2026 10:00:00 +0000',
		'Message-ID: <journey-1@corp.example>',
		'MIME-Version: 1.0',
		'Content-Type: multipart/mixed; boundary="outer"',
		'',
		'--outer',
		'Content-Type: multipart/alternative; boundary="alt"',
		'',
		'--alt',
		'Content-Type: text/plain; charset=utf-8',
		'Content-Transfer-Encoding: 8bit',
		'',
		'Hello Bob, the invoice is attached.',
		'--alt',
		'Content-Type: text/html; charset=utf-8',
		'Content-Transfer-Encoding: 8bit',
		'',
		'<html><body><h2 id="hello">Hello Bob</h2><p>The <b>invoice</b> is attached.</p></body></html>',
		'--alt--',
		'--outer',
		'Content-Type: application/octet-stream; name="invoice.bin"',
		'Content-Disposition: attachment; filename="invoice.bin"',
		'Content-Transfer-Encoding: base64',
		'',
		b64(BIN_ATT),
		'--outer',
		'Content-Type: text/plain; charset=utf-8',
		`Content-Disposition: attachment; filename*=UTF-8''${enc}`,
		'Content-Transfer-Encoding: base64',
		'',
		b64(TXT_ATT),
		'--outer--',
	]);
}

// HTML meant to run script or reach the network in every known way.
const HOSTILE = `<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">
<script>alert('script')</script>
<script src="https://evil.example/x.js"></script>
<link rel="stylesheet" href="https://evil.example/x.css">
<base href="https://evil.example/">
<style>body { background: url(https://evil.example/bg.png); }
p { width: expression(alert('css')); } @import url(https://evil.example/i.css);</style>
</head><body onload="alert('onload')">
<h2 id="evil">Hostile</h2>
<img src="https://evil.example/pixel.png" alt="remote">
<img src="x" onerror="alert('onerror')">
<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=">
<a id="jslink" href="javascript:alert('link')">click</a>
<a href="data:text/html,<script>alert(1)</script>">data link</a>
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/o.swf"></object>
<embed src="https://evil.example/e.swf">
<video src="https://evil.example/v.mp4" autoplay></video>
<svg><script>alert('svg')</script><image href="https://evil.example/svg.png"/></svg>
<form action="https://evil.example/post" method="post"><input name="q"><button>Go</button></form>
<div style="background-image:url('https://evil.example/div.png')" onmouseover="alert('hover')">hover me</div>
<table background="https://evil.example/table.png"><tr><td>cell</td></tr></table>
</body></html>`;

function hostileMail() {
	return crlf([
		`From: ${ALICE}`, `To: ${BOB}`, 'Subject: hostile html',
		'Date: Sat, 28 Nov 2026 11:00:00 +0000',
		'Message-ID: <hostile-1@corp.example>', 'MIME-Version: 1.0',
		'Content-Type: text/html; charset=utf-8', '', HOSTILE,
	]);
}

function simpleMail(id, subject, to = BOB) {
	return crlf([
		`From: Alice <${ALICE}>`, `To: ${to}`, `Subject: ${subject}`,
		'Date: Sat, 28 Nov 2026 12:00:00 +0000',
		`Message-ID: <${id}@corp.example>`, 'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8', '', `This is ${subject}.`,
	]);
}

// Delivers original to recipients and waits until every one has it stored.
// Index rows of a mailbox: the file is in new/ a moment before its row
// commits, and the row's headers are decoded a moment later by the notice
// sender, so a test that looks ids up by Message-ID waits for all three.
function rowsOf(address) {
	return Number(sql(inst, `SELECT count(*) FROM messages WHERE mailbox = '${address}' ` +
	    'AND indexed = 1'));
}

async function deliver(original, recipients, extra = '') {
	const before = new Map(recipients.map((r) => [r, maildirFiles(inst, r).length]));
	const rows = new Map(recipients.map((r) => [r, rowsOf(r)]));
	smtpSend(inst, `gw@corp.example`, [gw.relay],
		gw.seal(original, recipients, { extra }));
	await until(() => recipients.every((r) =>
		maildirFiles(inst, r).length > before.get(r) && rowsOf(r) > rows.get(r)),
		60000, 'delivery');
}

function idOf(address, messageId) {
	return sql(inst, `SELECT id FROM messages WHERE mailbox = '${address}' ` +
	    `AND message_id LIKE '%${messageId}%' AND folder = 'inbox'`);
}

// Decoded headers and attachment names of a captured mail (python3 email).
function parseMail(text) {
	const out = execFileSync('python3', ['-c', `
import email, email.policy, json, sys
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
print(json.dumps({k: str(m[k] or '') for k in ('From', 'To', 'Cc', 'Subject', 'In-Reply-To', 'References', 'X-WM-Relay', 'Message-ID')} |
    {'files': [p.get_filename() for p in m.iter_attachments()],
     'data': [p.get_content().decode('latin-1') if isinstance(p.get_content(), bytes) else p.get_content() for p in m.iter_attachments()]}))
`], { input: text });
	return JSON.parse(out);
}

async function login(address, password) {
	await page.goto(`${inst.portal}/login`);
	await page.getByLabel('Email address').fill(address);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForLoadState();
}

async function choosePassword(password) {
	await page.getByLabel('New password', { exact: true }).fill(password);
	await page.getByLabel('New password again').fill(password);
	await page.getByRole('button', { name: /Set (new )?password/ }).click();
	await page.waitForLoadState();
}

async function shoot(name) {
	mkdirSync(SHOTS, { recursive: true });
	for (const width of [390, 1280]) {
		await page.setViewportSize({ width, height: 900 });
		await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
	}
	await page.setViewportSize({ width: 1280, height: 900 });
}

async function download(locator) {
	const [d] = await Promise.all([page.waitForEvent('download'), locator.click()]);
	return { name: d.suggestedFilename(), data: readFileSync(await d.path()) };
}

before(async () => {
	inst = await createInstance();
	gw = gateway(inst);
	browser = await launch();
	page = await browser.context.newPage();
});

after(async () => {
	if (browser)
		await browser.close();
	if (inst)
		inst.stop();
});

describe('the journey of one secure mail', () => {
	let invitation, msgId, oldCookie;

	it('a tunnel from the gateway is stored and brings an invitation', async () => {
		const seen = new Set(outbox(inst).map((m) => m.name));
		await deliver(journeyMail(), [BOB]);
		const stored = maildirFiles(inst, BOB);
		assert.equal(stored.length, 1);
		// CRLF throughout: stored with Unix line ends, as Postfix and Dovecot do.
		assert.ok(readFileSync(stored[0]).equals(
			Buffer.from(journeyMail().toString('latin1').replace(/\r\n/g, '\n'), 'latin1')),
			'the stored mail is the original with LF line ends');
		invitation = linkIn(inst, await waitForMail(inst, BOB, /\/signup\?/, seen),
			'/signup');
	});

	it('sign-up refuses three weak passwords, each saying why, then accepts a good one', async () => {
		await page.goto(invitation);
		assert.match(await page.locator('main').textContent(), /bob@customer\.example/);
		const weak = [
			['bob@customer.example1', /based on the email address/],
			['qwertyuiop77', /keyboard sequence/],
			['Zaaaaaaaa9#k', /more than 5 times/],
		];
		for (const [pw, why] of weak) {
			await choosePassword(pw);
			assert.match(await page.locator('.error').textContent(), why, pw);
		}
		await choosePassword(GOOD);
		assert.match(await page.locator('main').textContent(), /You can log in now/);
	});

	it('logs in and the inbox lists the mail with its UTF-8 subject', async () => {
		await login(BOB, GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		const row = page.locator('td.subject a', { hasText: SUBJECT });
		assert.equal(await row.count(), 1);
		assert.match(await page.locator('tr.unread').textContent(), /Alice/);
		msgId = idOf(BOB, 'journey-1');
		assert.match(msgId, /^\d+$/);
		await shoot('inbox');
	});

	it('opens the mail: headers, HTML in a sandboxed frame, attachments listed', async () => {
		const href = await page.locator('td.subject a', { hasText: SUBJECT })
			.getAttribute('href');
		assert.equal(href, `/portal/msg/${msgId}`);
		const r = await page.goto(`${inst.base}${href}`);
		assert.equal(r.status(), 200);
		assert.equal(r.headers()['cache-control'], 'no-store');
		assert.equal(await page.locator('h1').textContent(), SUBJECT);
		assert.match(await page.locator('#mail-from').textContent(), /alice@corp\.example/);
		const frame = page.locator('iframe.body');
		assert.equal(await frame.getAttribute('sandbox'),
			'allow-popups allow-popups-to-escape-sandbox');
		assert.equal(await frame.getAttribute('src'), `/portal/msg/${msgId}/body`);
		assert.equal(await frame.getAttribute('referrerpolicy'), 'no-referrer');
		const inner = page.frameLocator('iframe.body');
		assert.equal(await inner.locator('h2').textContent(), 'Hello Bob');
		assert.equal(await inner.locator('b').textContent(), 'invoice');
		const body = await browser.context.request.get(`${inst.portal}/msg/${msgId}/body`);
		assert.match(body.headers()['content-security-policy'], /default-src 'none'/);
		assert.match(body.headers()['content-security-policy'], /sandbox/);
		assert.equal(body.headers()['x-frame-options'], 'SAMEORIGIN');
		const names = await page.locator('.attachments a').allTextContents();
		assert.deepEqual(names, ['invoice.bin', TXT_NAME]);
		assert.equal(sql(inst, `SELECT seen FROM messages WHERE id = ${msgId}`), '1');
		await shoot('message');
	});

	it('both attachments download byte for byte with their names', async () => {
		const a = await download(page.locator('.attachments a', { hasText: 'invoice.bin' }));
		assert.equal(a.name, 'invoice.bin');
		assert.ok(a.data.equals(BIN_ATT), 'binary attachment identical');
		const b = await download(page.locator('.attachments a', { hasText: 'Übersicht' }));
		assert.equal(b.name, TXT_NAME);
		assert.ok(b.data.equals(TXT_ATT), 'UTF-8 named attachment identical');
		const h = (await browser.context.request.get(
			`${inst.portal}/msg/${msgId}/part/3`)).headers();
		assert.equal(h['x-content-type-options'], 'nosniff');
		assert.match(h['content-security-policy'], /sandbox/);
		assert.match(h['content-disposition'], /^attachment; /);
	});

	it('the .eml downloads byte-identical to the original', async () => {
		const e = await download(page.getByRole('link', { name: /Download \(\.eml\)/ }));
		assert.match(e.name, /\.eml$/);
		assert.ok(e.data.equals(journeyMail()), '.eml equals the original');
	});

	it('a reply with an attachment leaves through the relay path with the right headers', async () => {
		const seen = new Set(outbox(inst).map((m) => m.name));
		await page.getByRole('link', { name: 'Reply', exact: true }).click();
		await page.waitForURL(/\/portal\/reply\/\d+$/);
		assert.equal(await page.getByLabel('To').inputValue(), `Alice Example <${ALICE}>`);
		assert.equal(await page.getByLabel('Subject').inputValue(), `Re: ${SUBJECT}`);
		await shoot('reply');
		await page.getByLabel('Message').fill('Thanks, Alice. Signed copy attached.');
		await page.getByLabel('Attachment 1').setInputFiles({
			name: 'signed copy.pdf', mimeType: 'application/pdf',
			buffer: Buffer.from('%PDF-1.4 signed\n'),
		});
		await page.getByRole('button', { name: 'Send' }).click();
		await page.waitForURL(/\/portal\/sent$/);
		const mail = await waitForMail(inst, ALICE, /In-Reply-To/, seen);
		const m = parseMail(mail.text);
		assert.match(m.From, /bob@customer\.example/);
		assert.match(m.To, /alice@corp\.example/);
		assert.equal(m['In-Reply-To'], '<journey-1@corp.example>');
		assert.match(m.References, /<journey-1@corp\.example>/);
		assert.equal(m.Subject, `Re: ${SUBJECT}`);
		// The routing mark did its work inside the box and never leaves it.
		assert.equal(m['X-WM-Relay'], '');
		assert.deepEqual(m.files, ['signed copy.pdf']);
		assert.equal(m.data[0], '%PDF-1.4 signed\n');
		// It passed the relay listener of the instance's Postfix: the queue
		// id that listener logged carries the reply's Message-ID.
		const log = readFileSync(join(inst.dir, 'log/postfix.log'), 'utf8');
		const ids = [...log.matchAll(/\/relay\/smtpd\[\d+\]: ([0-9A-Za-z]+): client=/g)]
			.map((x) => x[1]);
		assert.ok(ids.some((q) => log.includes(`${q}: message-id=${m['Message-ID']}`)),
			`the reply went through the relay listener:\n${log}`);
	});

	it('the reply appears in Sent', async () => {
		const row = page.locator('td.subject a', { hasText: `Re: ${SUBJECT}` });
		assert.equal(await row.count(), 1);
		assert.match(await page.locator('td.from').first().textContent(), /alice@corp\.example/);
		await row.click();
		await page.waitForURL(/\/portal\/msg\/\d+$/);
		assert.match(await page.locator('pre.body').first().textContent(), /Thanks, Alice/);
	});

	it('after logout the old session cookie no longer works', async () => {
		const c = (await browser.context.cookies()).find((x) => x.name === 'wmsession');
		oldCookie = c;
		await page.getByRole('button', { name: 'Log out' }).click();
		await page.waitForURL(/\/portal\/login\?out=1/);
		await browser.context.addCookies([oldCookie]);
		const r = await browser.context.request.get(`${inst.portal}/msg/${msgId}`,
			{ maxRedirects: 0 });
		assert.equal(r.status(), 303);
		assert.match(r.headers().location, /\/portal\/login/);
		const eml = await browser.context.request.get(`${inst.portal}/msg/${msgId}/eml`,
			{ maxRedirects: 0 });
		assert.equal(eml.status(), 303);
		await browser.context.clearCookies();
	});
});

describe('another user', () => {
	it("carol's message ids give 404 to bob, for the page, parts, body and .eml", async () => {
		addUser(inst, 'carol@customer.example', GOOD);
		await deliver(simpleMail('carol-1', 'for carol only'), ['carol@customer.example']);
		const cid = idOf('carol@customer.example', 'carol-1');
		assert.match(cid, /^\d+$/);
		await login(BOB, GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		for (const path of [`/msg/${cid}`, `/msg/${cid}/eml`, `/msg/${cid}/part/1`,
			`/msg/${cid}/body`, `/reply/${cid}`, `/reply/${cid}?all=1`]) {
			const r = await page.goto(`${inst.portal}${path}`);
			assert.equal(r.status(), 404, path);
			assert.doesNotMatch(await r.text(), /for carol only/);
		}
	});
});

describe('writing mail', () => {
	it('new mail is hidden and refused until compose-allowed is on', async () => {
		await page.goto(`${inst.portal}/inbox`);
		assert.equal(await page.getByRole('link', { name: 'New message' }).count(), 0);
		const r = await page.goto(`${inst.portal}/compose`);
		assert.equal(r.status(), 403);
		const post = await browser.context.request.post(`${inst.portal}/compose`, {
			multipart: { csrf: await page.locator('input[name=csrf]').first()
				.getAttribute('value'), to: ALICE, subject: 'x', body: 'y' },
			maxRedirects: 0,
		});
		assert.equal(post.status(), 403);
	});

	it('new mail with two attachments; a bad address shows the form again', async () => {
		wm(inst, 'wm-prefs', ['set', '--user', BOB, 'compose-allowed', 'yes']);
		await page.goto(`${inst.portal}/inbox`);
		await page.getByRole('link', { name: 'New message' }).click();
		await page.waitForURL(/\/portal\/compose$/);
		await page.getByLabel('To').fill('not an address');
		await page.getByLabel('Subject').fill('Zwei Anhänge');
		await page.getByLabel('Message').fill('Grüße');
		await page.getByRole('button', { name: 'Send' }).click();
		await page.waitForLoadState();
		assert.ok(await page.locator('.error').count() === 1, 'an error is shown');
		assert.equal(await page.getByLabel('Subject').inputValue(), 'Zwei Anhänge');

		const seen = new Set(outbox(inst).map((m) => m.name));
		await page.getByLabel('To').fill(`Carol <carol@customer.example>, ${ALICE}`);
		await page.getByLabel('Attachment 1').setInputFiles({
			name: 'eins.txt', mimeType: 'text/plain', buffer: Buffer.from('one\n') });
		await page.getByLabel('Attachment 2').setInputFiles({
			name: 'zwei – ü.bin', mimeType: 'application/octet-stream',
			buffer: BIN_ATT });
		await page.getByRole('button', { name: 'Send' }).click();
		await page.waitForURL(/\/portal\/sent$/);
		const mail = await waitForMail(inst, ALICE, /Zwei|Anh/, seen);
		const m = parseMail(mail.text);
		assert.equal(m.Subject, 'Zwei Anhänge');
		assert.match(m.To, /carol@customer\.example/);
		assert.deepEqual(m.files, ['eins.txt', 'zwei – ü.bin']);
		assert.equal(m['In-Reply-To'], '');
	});

	it('reply to all goes to the sender and the other recipients, not to the user', async () => {
		const orig = crlf([
			`From: Alice <${ALICE}>`, `To: ${BOB}, dave@other.example`,
			'Cc: erin@other.example', 'Subject: team',
			'Message-ID: <team-1@corp.example>', 'MIME-Version: 1.0',
			'Content-Type: text/plain; charset=utf-8', '', 'Hello team.',
		]);
		await deliver(orig, [BOB]);
		const id = idOf(BOB, 'team-1');
		await page.goto(`${inst.portal}/msg/${id}`);
		await page.getByRole('link', { name: 'Reply to all' }).click();
		await page.waitForURL(/\/portal\/reply\/\d+\?all=1$/);
		assert.match(await page.getByLabel('Cc').inputValue(), /dave@other\.example/);
		assert.match(await page.getByLabel('Cc').inputValue(), /erin@other\.example/);
		assert.doesNotMatch(await page.getByLabel('Cc').inputValue(), /bob@/);
		const seen = new Set(outbox(inst).map((m) => m.name));
		await page.getByRole('button', { name: 'Send' }).click();
		await page.waitForURL(/\/portal\/sent$/);
		const mail = await waitForMail(inst, ALICE, /team-1/, seen);
		const m = parseMail(mail.text);
		assert.equal(m['In-Reply-To'], '<team-1@corp.example>');
		assert.match(m.Cc ?? '', /dave@other\.example/);
	});
});

describe('hostile HTML', () => {
	it('runs nothing and loads nothing from anywhere but the instance', async () => {
		await deliver(hostileMail(), [BOB]);
		const id = idOf(BOB, 'hostile-1');
		const origin = new URL(inst.base).origin;
		const events = [];
		const onDialog = (d) => { events.push(`dialog: ${d.message()}`); d.dismiss(); };
		// Chromium asks for /favicon.ico by itself; the instance has none.
		let favicon = 0;
		const onResponse = (r) => {
			if (new URL(r.url()).pathname === '/favicon.ico' && r.status() === 404)
				favicon++;
		};
		const consoleErrors = [];
		const onConsole = (m) => {
			if (m.type() === 'error')
				consoleErrors.push(`console: ${m.text()}`);
		};
		const onRequest = (r) => {
			if (!r.url().startsWith(`${origin}/`))
				events.push(`request: ${r.url()}`);
		};
		const onPopup = (p) => events.push(`popup: ${p.url()}`);
		page.on('dialog', onDialog);
		page.on('console', onConsole);
		page.on('request', onRequest);
		page.on('popup', onPopup);
		page.on('response', onResponse);
		try {
			await page.goto(`${inst.portal}/msg/${id}`);
			const inner = page.frameLocator('iframe.body');
			assert.equal(await inner.locator('h2').textContent(), 'Hostile');
			await inner.locator('text=hover me').hover();
			await inner.locator('a', { hasText: 'click' }).click({ timeout: 3000 })
				.catch(() => {});
			await page.mouse.move(10, 10);
			await sleep(2000);
			assert.match(page.url(), new RegExp(`/portal/msg/${id}$`), 'no refresh');
			const frame = page.frames().find((f) => f.url().endsWith('/body'));
			assert.ok(frame, 'the body frame is there');
			assert.equal(await frame.locator('script, iframe, object, embed, form, base, meta[http-equiv="refresh" i]').count(), 0);
		} finally {
			page.off('dialog', onDialog);
			page.off('console', onConsole);
			page.off('request', onRequest);
			page.off('popup', onPopup);
			page.off('response', onResponse);
		}
		const notFavicon = consoleErrors.filter((e) => !(favicon > 0 &&
		    /Failed to load resource: .* 404/.test(e) && favicon-- > 0));
		assert.deepEqual([...events, ...notFavicon], []);
	});
});

describe('read receipts', () => {
	it('the first open sends exactly one receipt to the sender, the second none', async () => {
		await deliver(simpleMail('receipt-1', 'please confirm'), [BOB],
			'WM-Read-Receipt: yes\r\n');
		const id = idOf(BOB, 'receipt-1');
		const toAlice = () => outbox(inst).filter((m) =>
		    /^To:.*alice@corp\.example/mi.test(m.text.split(/\r?\n\r?\n/)[0]));
		const before = toAlice().length;
		await page.goto(`${inst.portal}/msg/${id}`);
		assert.equal(await page.locator('h1').textContent(), 'please confirm');
		await until(() => toAlice().length > before, 30000, 'read receipt');
		await sleep(3000);
		const after1 = toAlice();
		assert.equal(after1.length, before + 1, 'exactly one receipt');
		assert.match(after1[after1.length - 1].text, /please confirm/);
		assert.equal(sql(inst, `SELECT receipt_sent FROM messages WHERE id = ${id}`), '1');
		await page.goto(`${inst.portal}/msg/${id}`);
		await page.goto(`${inst.portal}/inbox`);
		await sleep(5000);
		assert.equal(toAlice().length, before + 1, 'no receipt on the second open');
	});
});
