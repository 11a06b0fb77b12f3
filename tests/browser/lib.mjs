// lib.mjs - what every browser test shares: Debian's chromium driven by
// playwright-core, throwaway instances made with wm-init and run with
// wm-ctl, the programs of the build, and the mail the instance captured.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import {
	chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const TOP = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.WM_BIN || join(TOP, 'build/bin');

// A fresh browser profile per launch, removed at close.  options go to
// launchPersistentContext (e.g. { javaScriptEnabled: false }).
export async function launch(options = {}) {
	const profile = mkdtempSync(join(tmpdir(), 'wmchrome.'));
	const context = await chromium.launchPersistentContext(profile, {
		...options,
		executablePath: '/usr/bin/chromium',
		headless: true,
		ignoreHTTPSErrors: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
	});
	return {
		context,
		async close() {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

// Runs a wm-* program of the build against the instance; returns stdout.
export function wm(inst, prog, args = [], input = undefined) {
	return execFileSync(join(BIN, prog), ['-c', inst.conf, ...args], {
		input, encoding: 'utf8',
		env: { ...process.env, WM_CONFIG: inst.conf },
		stdio: ['pipe', 'pipe', 'pipe'],
	});
}

// A complete instance (wm-init --capture-outbound) started with wm-ctl.
// inst.portal is the URL of the portal pages; inst.stop() stops exactly
// what was started and removes the directory.
export async function createInstance() {
	const dir = mkdtempSync('/tmp/wmbr.');
	chmodSync(dir, 0o755);
	execFileSync(join(BIN, 'wm-init'), ['--capture-outbound', dir],
		{ stdio: ['ignore', 'pipe', 'pipe'] });
	const conf = join(dir, 'wm.conf');
	const listen = readFileSync(conf, 'utf8').match(/^portal\s*=\s*(\S+)/m);
	if (!listen)
		throw new Error(`no [listen] portal in ${conf}`);
	const base = `https://${listen[1]}`;
	const inst = { dir, conf, base, portal: `${base}/portal` };
	inst.stop = () => {
		try {
			execFileSync(join(BIN, 'wm-ctl'), ['-c', conf, 'stop'],
				{ stdio: 'ignore' });
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	};
	try {
		execFileSync(join(BIN, 'wm-ctl'), ['-c', conf, 'start'],
			{ stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (e) {
		inst.stop();
		throw e;
	}
	return inst;
}

// Polls until fn returns something truthy; fails after ms.
export async function until(fn, ms = 30000, what = 'condition') {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await sleep(100);
	}
}

// The captured mails (DIR/outbox, one file each), oldest first.
export function outbox(inst) {
	const d = join(inst.dir, 'outbox');
	if (!existsSync(d))
		return [];
	return readdirSync(d).sort().map((name) => ({
		name, text: readFileSync(join(d, name), 'utf8'),
	}));
}

// Waits for a new mail to address (one not in seen) whose text matches re.
export async function waitForMail(inst, address, re = /./, seen = new Set()) {
	return until(() => outbox(inst).find((m) => !seen.has(m.name) &&
	    m.text.includes(`<${address}>`) && re.test(decodeQP(m.text))),
	30000, `mail to ${address}`);
}

function decodeQP(text) {
	return /quoted-printable/i.test(text) ?
		text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi,
			(_, h) => String.fromCharCode(parseInt(h, 16))) : text;
}

// The link to a portal page (path such as "/signup") in a mail, pointed at
// this instance whatever base URL the mail used.
export function linkIn(inst, mail, path) {
	const m = decodeQP(mail.text).match(
		new RegExp(`https?://[^\\s"<>]*${path}\\?[^\\s"<>]+`));
	if (!m)
		throw new Error(`no ${path} link in mail:\n${mail.text}`);
	const u = new URL(m[0]);
	return `${inst.base}${u.pathname}${u.search}`;
}

// Makes a user who has a password, without the sign-up pages.
export function addUser(inst, address, password) {
	wm(inst, 'wm-user', ['add', address]);
	if (password)
		wm(inst, 'wm-user', ['set-password', '--force', address],
			`${password}\n`);
}
