// portal.test.mjs - the first journeys through the portal in a real browser:
// sign-up with the password rules, login, logout, sessions, CSRF, cookie
// flags, security headers, two-factor authentication, password reset and
// login throttling.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
	BIN, addUser, createInstance, launch, linkIn, outbox, waitForMail, wm,
} from './lib.mjs';

// RFC 6238 (TOTP, HMAC-SHA1, 30 s, 6 digits) computed here, independently
// of the server's liboath.
function base32(s) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, value = 0;
	const out = [];
	for (const c of s.replace(/=+$/, '').toUpperCase()) {
		value = (value << 5) | alphabet.indexOf(c);
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

function totp(secret, step = Math.floor(Date.now() / 1000 / 30)) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const h = createHmac('sha1', base32(secret)).update(msg).digest();
	const o = h[h.length - 1] & 15;
	const n = ((h[o] & 127) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
	return String(n % 1000000).padStart(6, '0');
}

const GOOD = 'Violet-Harbour-Lantern-42';
let inst, browser, page;
const cspReports = [];

before(async () => {
	inst = await createInstance();
	browser = await launch();
	page = await browser.context.newPage();
	// Chromium logs every resource or inline style/script the CSP blocks.
	page.on('console', (m) => {
		if (/Content Security Policy/i.test(m.text()))
			cspReports.push(`${page.url()}: ${m.text()}`);
	});
});

after(async () => {
	if (browser)
		await browser.close();
	if (inst)
		inst.stop();
});

async function login(address, password) {
	await page.goto(`${inst.portal}/login`);
	await page.getByLabel('Email address').fill(address);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForLoadState();
}

async function logout() {
	await page.getByRole('button', { name: 'Log out' }).click();
	await page.waitForURL(/\/portal\/login\?out=1/);
}

async function sessionCookie() {
	return (await browser.context.cookies()).find((c) => c.name === 'wmsession');
}

// A sign-up invitation: wm-notify when it is built, else the reset page,
// which invites a user who has no password yet.
async function invite(address) {
	const seen = new Set(outbox(inst).map((m) => m.name));
	if (existsSync(join(BIN, 'wm-notify'))) {
		wm(inst, 'wm-notify', ['signup', address]);
	} else {
		await page.goto(`${inst.portal}/reset`);
		await page.getByLabel('Email address').fill(address);
		await page.getByRole('button', { name: 'Send link' }).click();
		await page.waitForLoadState();
	}
	return linkIn(inst, await waitForMail(inst, address, /\/signup\?/, seen),
		'/signup');
}

async function choosePassword(password, again = password) {
	await page.getByLabel('New password', { exact: true }).fill(password);
	await page.getByLabel('New password again').fill(again);
	await page.getByRole('button', { name: /Set (new )?password/ }).click();
	await page.waitForLoadState();
}

async function alertText() {
	return (await page.locator('.error').textContent()) ?? '';
}

describe('sign-up', () => {
	it('refuses weak passwords naming the rule, then accepts a good one', async () => {
		wm(inst, 'wm-user', ['add', 'bob@example.com']);
		const link = await invite('bob@example.com');
		await page.goto(link);
		assert.match(await page.locator('main').textContent(), /bob@example\.com/);

		await choosePassword('bob@example.com1');
		assert.match(await alertText(), /based on the email address/);
		await choosePassword('qwertyuiop77');
		assert.match(await alertText(), /keyboard sequence/);
		await choosePassword('Zaaaaaaaa9#k');
		assert.match(await alertText(), /more than 5 times/);
		await choosePassword(GOOD, GOOD + 'x');
		assert.match(await alertText(), /not the same/);

		await choosePassword(GOOD);
		assert.match(await page.locator('main').textContent(),
			/Your password is set\. You can log in now/);
	});

	it('a sign-up link works only once', async () => {
		const mails = outbox(inst).filter((m) => m.text.includes('<bob@example.com>'));
		const r = await page.goto(linkIn(inst, mails[mails.length - 1], '/signup'));
		assert.equal(r.status(), 403);
		assert.match(await page.locator('main').textContent(), /used already/);
		assert.equal(await page.getByLabel('New password', { exact: true }).count(), 0);
	});

	it('with initial login not allowed, the account waits for wm-user enable', async () => {
		wm(inst, 'wm-user', ['add', 'frank@example.com']);
		wm(inst, 'wm-prefs', ['set', '--user', 'frank@example.com',
			'initial-login-allowed', 'no']);
		await page.goto(await invite('frank@example.com'));
		await choosePassword(GOOD);
		assert.match(await page.locator('main').textContent(),
			/administrator has to enable it/);
		await login('frank@example.com', GOOD);
		assert.match(await alertText(), /not enabled yet/);
		wm(inst, 'wm-user', ['enable', 'frank@example.com']);
		await login('frank@example.com', GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		await logout();
	});
});

describe('sign-up after sign-up', () => {
	it('an older unused invitation cannot set the password again', async () => {
		wm(inst, 'wm-user', ['add', 'gina@example.com']);
		const first = await invite('gina@example.com');
		await sleep(1100);	// links name their second: a later one differs
		const second = await invite('gina@example.com');
		assert.notEqual(first, second);
		await page.goto(second);
		await choosePassword(GOOD);
		assert.match(await page.locator('main').textContent(),
			/You can log in now/);

		const r = await page.goto(first);
		assert.equal(r.status(), 403);
		assert.match(await page.locator('main').textContent(),
			/chosen a password already/);
		assert.equal(await page.getByLabel('New password', { exact: true }).count(), 0);

		// The form posted straight with the old link changes nothing either.
		const pre = (await browser.context.cookies()).find((c) => c.name === 'wmcsrf');
		const form = Object.fromEntries(new URL(first).searchParams);
		const post = await browser.context.request.post(`${inst.portal}/signup`, {
			form: { ...form, csrf: pre.value, password: 'Other-Meadow-Pebble-71',
				password2: 'Other-Meadow-Pebble-71' },
			maxRedirects: 0,
		});
		assert.equal(post.status(), 403);
		await login('gina@example.com', 'Other-Meadow-Pebble-71');
		assert.match(await alertText(), /not right/);
		await login('gina@example.com', GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		await logout();
	});
});

describe('login and logout', () => {
	let oldCookie;

	it('logs in to the inbox with a hardened session cookie', async () => {
		await login('bob@example.com', GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		assert.equal(await page.locator('h1').textContent(), 'Inbox');
		assert.match(await page.locator('.quota').textContent(), /of 1\.0 GB/);
		const c = await sessionCookie();
		assert.ok(c, 'session cookie set');
		assert.equal(c.httpOnly, true);
		assert.equal(c.secure, true);
		assert.equal(c.sameSite, 'Strict');
		assert.equal(c.path, '/');
		assert.match(c.value, /^[0-9a-f]{64}$/);
		oldCookie = c.value;
	});

	it('sends the security headers on every page', async () => {
		for (const path of ['/inbox', '/settings', '/login', '/nope']) {
			const r = await browser.context.request.get(`${inst.portal}${path}`,
				{ maxRedirects: 0 });
			const h = r.headers();
			assert.match(h['content-security-policy'], /default-src 'none'/, path);
			assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
			assert.doesNotMatch(h['content-security-policy'], /unsafe-inline|script-src/);
			assert.equal(h['x-frame-options'], 'DENY');
			assert.equal(h['referrer-policy'], 'no-referrer');
			assert.equal(h['x-content-type-options'], 'nosniff');
			assert.equal(h['cache-control'], 'no-store');
		}
	});

	it('refuses a POST without the CSRF token with 403 and changes nothing', async () => {
		const r = await browser.context.request.post(
			`${inst.portal}/settings/password`, {
				form: { current: GOOD, password: 'Changed-By-Forgery-99',
					password2: 'Changed-By-Forgery-99' },
				maxRedirects: 0,
			});
		assert.equal(r.status(), 403);
		const wrong = await browser.context.request.post(
			`${inst.portal}/settings/password`, {
				form: { csrf: '0'.repeat(64), current: GOOD,
					password: 'Changed-By-Forgery-99',
					password2: 'Changed-By-Forgery-99' },
				maxRedirects: 0,
			});
		assert.equal(wrong.status(), 403);
	});

	it('logs out, and the old session cookie no longer works', async () => {
		await page.goto(`${inst.portal}/inbox`);
		await logout();
		assert.match(await page.locator('.notice').textContent(), /logged out/);
		assert.equal(await sessionCookie(), undefined);
		const r = await browser.context.request.get(`${inst.portal}/inbox`, {
			headers: { cookie: `wmsession=${oldCookie}` }, maxRedirects: 0,
		});
		assert.equal(r.status(), 303);
		assert.match(r.headers().location, /\/portal\/login/);
		// The forged change above did not happen: the old password still works.
		await login('bob@example.com', GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		const fresh = await sessionCookie();
		assert.notEqual(fresh.value, oldCookie, 'a new id at every login');
		await logout();
	});
});

describe('two-factor authentication', () => {
	let secret, codes, lastCode;

	it('enrols with a QR code and shows ten recovery codes', async () => {
		addUser(inst, 'carol@example.com', GOOD);
		await login('carol@example.com', GOOD);
		await page.goto(`${inst.portal}/settings`);
		await page.locator('#current3').fill(GOOD);
		await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
		await page.waitForLoadState();
		const src = await page.locator('img.qr').getAttribute('src');
		assert.match(src, /^data:image\/svg\+xml;base64,/);
		secret = (await page.locator('#totp-secret').textContent()).trim();
		assert.match(secret, /^[A-Z2-7]{32}$/);
		await page.getByLabel('Code').fill('000000' === totp(secret) ? '111111' : '000000');
		await page.getByRole('button', { name: 'Turn on' }).click();
		await page.waitForLoadState();
		assert.match(await alertText(), /not right/);
		// The previous step's code (one step of skew is allowed) keeps the
		// current step free for the login below.
		await page.getByLabel('Code').fill(totp(secret, Math.floor(Date.now() / 30000) - 1));
		await page.getByRole('button', { name: 'Turn on' }).click();
		await page.waitForLoadState();
		codes = await page.locator('#recovery-codes code').allTextContents();
		assert.equal(codes.length, 10);
		await logout();
	});

	it('asks for a code after the password and accepts one computed here', async () => {
		await login('carol@example.com', GOOD);
		await page.waitForURL(/\/portal\/totp$/);
		const r = await browser.context.request.get(`${inst.portal}/inbox`,
			{ maxRedirects: 0 });
		assert.equal(r.status(), 303, 'no mailbox before the code');
		lastCode = totp(secret);
		await page.getByLabel('Code').fill(lastCode);
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.waitForURL(/\/portal\/inbox$/);
		await logout();
	});

	it('refuses the same code twice', async () => {
		await login('carol@example.com', GOOD);
		await page.waitForURL(/\/portal\/totp$/);
		await page.getByLabel('Code').fill(lastCode);
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.waitForLoadState();
		assert.match(await alertText(), /used already|not right/);
	});

	it('accepts a recovery code once', async () => {
		await page.getByLabel('Code').fill(codes[0]);
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.waitForURL(/\/portal\/inbox$/);
		await logout();
		await login('carol@example.com', GOOD);
		await page.getByLabel('Code').fill(codes[0]);
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.waitForLoadState();
		assert.match(await alertText(), /not right/);
		await page.getByRole('button', { name: 'Cancel and log out' }).click();
		await page.waitForURL(/\/portal\/login/);
	});

	it('turns off with the current password', async () => {
		await login('carol@example.com', GOOD);
		await page.getByLabel('Code').fill(codes[1]);
		await page.getByRole('button', { name: 'Continue' }).click();
		await page.waitForURL(/\/portal\/inbox$/);
		await page.goto(`${inst.portal}/settings`);
		assert.match(await page.locator('main').textContent(), /8 unused recovery codes/);
		const tf = page.getByRole('region', { name: 'Two-factor authentication' });
		await tf.getByLabel('Current password').fill('not-my-password');
		await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
		await page.waitForLoadState();
		assert.match(await alertText(), /current password is not right/);
		await tf.getByLabel('Current password').fill(GOOD);
		await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
		await page.waitForLoadState();
		assert.match(await page.locator('.notice').textContent(), /is off/);
		await logout();
		await login('carol@example.com', GOOD);
		await page.waitForURL(/\/portal\/inbox$/, { timeout: 5000 });
		await logout();
	});
});

describe('password reset', () => {
	it('never says whether an address exists', async () => {
		const texts = [];
		for (const a of ['nobody@example.com', 'dave@example.com']) {
			if (a === 'dave@example.com')
				addUser(inst, a, GOOD);
			await page.goto(`${inst.portal}/reset`);
			await page.getByLabel('Email address').fill(a);
			await page.getByRole('button', { name: 'Send link' }).click();
			await page.waitForLoadState();
			texts.push(await page.locator('main').textContent());
		}
		assert.equal(texts[0], texts[1]);
	});

	it('sets a new password through the mailed link, once', async () => {
		const mail = await waitForMail(inst, 'dave@example.com', /\/reset\?/);
		const link = linkIn(inst, mail, '/reset');
		await page.goto(link);
		await choosePassword('dave@example.com');
		assert.match(await alertText(), /based on the email address/);
		await choosePassword('Copper-Meadow-Violin-58');
		assert.match(await page.locator('main').textContent(), /new password is set/);
		await login('dave@example.com', GOOD);
		assert.match(await alertText(), /not right/);
		await login('dave@example.com', 'Copper-Meadow-Violin-58');
		await page.waitForURL(/\/portal\/inbox$/);
		await logout();
		const r = await page.goto(link);
		assert.equal(r.status(), 403);
		assert.match(await page.locator('main').textContent(), /used already/);
	});
});

describe('throttling', () => {
	it('refuses logins after five failures, even with the right password', async () => {
		addUser(inst, 'erin@example.com', GOOD);
		for (let i = 0; i < 5; i++) {
			await login('erin@example.com', `wrong-${i}`);
			assert.match(await alertText(), /not right/);
		}
		await login('erin@example.com', GOOD);
		assert.match(await alertText(), /Too many failed logins.*try again in \d+ minutes?/);
		assert.match(page.url(), /\/portal\/login$/);
		// Another account is not locked out by erin's failures.
		await login('bob@example.com', GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		await logout();
	});
});

describe('settings', () => {
	it('changes the password with the current one and ends other sessions', async () => {
		const NEW = 'Granite-Orchard-Piano-73';
		const other = await launch();
		try {
			const p2 = await other.context.newPage();
			await p2.goto(`${inst.portal}/login`);
			await p2.getByLabel('Email address').fill('frank@example.com');
			await p2.getByLabel('Password').fill(GOOD);
			await p2.getByRole('button', { name: 'Log in' }).click();
			await p2.waitForURL(/\/portal\/inbox$/);

			await login('frank@example.com', GOOD);
			await page.goto(`${inst.portal}/settings`);
			const change = async (current, pw) => {
				await page.locator('#current').fill(current);
				await page.getByLabel('New password', { exact: true }).fill(pw);
				await page.getByLabel('New password again').fill(pw);
				await page.getByRole('button', { name: 'Change password' }).click();
				await page.waitForLoadState();
			};
			await change('wrong-current', NEW);
			assert.match(await alertText(), /current password is not right/);
			await change(GOOD, 'aaaaaaaaaaaa');
			assert.match(await alertText(), /more than 5 times/);
			await change(GOOD, NEW);
			assert.match(await page.locator('.notice').textContent(), /password was changed/);

			await p2.goto(`${inst.portal}/inbox`);
			assert.match(p2.url(), /\/portal\/login/, 'the other session ended');
			await page.goto(`${inst.portal}/inbox`);
			assert.match(page.url(), /\/portal\/inbox$/, 'this session goes on');
			await logout();
			await login('frank@example.com', GOOD);
			assert.match(await alertText(), /not right/);
			await login('frank@example.com', NEW);
			await page.waitForURL(/\/portal\/inbox$/);
			await logout();
		} finally {
			await other.close();
		}
	});
});

describe('pages', () => {
	it('work without JavaScript', async () => {
		const nojs = await launch({ javaScriptEnabled: false });
		try {
			const p = await nojs.context.newPage();
			await p.goto(`${inst.portal}/login`);
			await p.getByLabel('Email address').fill('bob@example.com');
			await p.getByLabel('Password').fill(GOOD);
			await p.getByRole('button', { name: 'Log in' }).click();
			await p.waitForURL(/\/portal\/inbox$/);
			await p.getByRole('link', { name: 'Settings' }).click();
			await p.waitForURL(/\/portal\/settings$/);
			await p.getByRole('button', { name: 'Log out' }).click();
			await p.waitForURL(/\/portal\/login\?out=1/);
		} finally {
			await nojs.close();
		}
	});

	it('fit a phone screen and use the stylesheet', async () => {
		await login('bob@example.com', GOOD);
		await page.waitForURL(/\/portal\/inbox$/);
		for (const width of [360, 1280]) {
			await page.setViewportSize({ width, height: 800 });
			for (const path of ['/inbox', '/settings']) {
				await page.goto(`${inst.portal}${path}`);
				const sw = await page.evaluate(() =>
					document.documentElement.scrollWidth);
				assert.ok(sw <= width, `${path} at ${width}px is ${sw}px wide`);
			}
		}
		const bg = await page.locator('header.top').evaluate((e) =>
			getComputedStyle(e).backgroundColor);
		assert.equal(bg, 'rgb(18, 53, 91)', 'portal.css applies');
		await logout();
	});

	it('trigger no Content-Security-Policy violation', () => {
		assert.deepEqual(cspReports, []);
	});
});
