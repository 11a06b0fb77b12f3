// lib.mjs - what every browser test shares: Debian's chromium driven by
// playwright-core, throwaway instances made with wm-init and run with
// wm-ctl, the programs of the build, and the mail the instance captured.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import {
	chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync,
	writeFileSync,
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
		executablePath: options.executablePath || '/usr/bin/chromium',
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
// what was started and removes the directory (unless WM_KEEP_INSTANCE).
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
			// WM_KEEP_INSTANCE=1 keeps logs for a look (e.g. sanitizer reports).
			if (!process.env.WM_KEEP_INSTANCE)
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

// "127.0.0.1:PORT" of a [listen] key of the instance's wm.conf.
export function listen(inst, key) {
	const conf = readFileSync(inst.conf, 'utf8');
	const sect = conf.split(/^\[/m).find((s) => s.startsWith('listen]'));
	const m = sect && sect.match(new RegExp(`^${key}\\s*=\\s*(\\S+)`, 'm'));
	if (!m)
		throw new Error(`no [listen] ${key} in ${inst.conf}`);
	return m[1];
}

// The instance's SQLite database, for looking ids up (never for changes).
export function sql(inst, query) {
	const conf = readFileSync(inst.conf, 'utf8');
	const m = conf.match(/^database\s*=\s*(\S+)/m);
	const db = m ? (m[1].startsWith('/') ? m[1] : join(inst.dir, m[1])) :
		join(inst.dir, 'wm.db');
	return execFileSync('sqlite3', [db, query], { encoding: 'utf8' }).trim();
}

// A gateway as a customer would run one with stock tools: a signing
// certificate fit for S/MIME, whitelisted in the instance, and the relay
// recipient's certificate to encrypt to.  Returns { seal(content) }.
export function gateway(inst, name = 'gw') {
	const dir = mkdtempSync(join(inst.dir, 'gw.'));
	const key = join(dir, `${name}.key`), cert = join(dir, `${name}.pem`);
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes',
		'-keyout', key, '-out', cert, '-days', '30',
		'-subj', `/CN=${name} gateway/emailAddress=${name}@corp.example`,
		'-addext', 'keyUsage=critical,digitalSignature,nonRepudiation',
		'-addext', 'extendedKeyUsage=emailProtection',
		'-addext', `subjectAltName=email:${name}@corp.example`],
	{ stdio: 'ignore' });
	wm(inst, 'wm-pki', ['import', '--whitelist', cert]);
	const relayCert = join(dir, 'relay.pem');
	writeFileSync(relayCert, wm(inst, 'wm-pki', ['webmail-cert']));
	const relay = wm(inst, 'wm-prefs', ['get', 'relay-recipient']).trim();
	return {
		relay,
		// The tunnel (wm-tunnel(5)) of original for recipients, as bytes.
		seal(original, recipients, { sender = 'alice@corp.example',
			extra = '' } = {}) {
			const head = 'Content-Type: message/rfc822\r\n' +
			    'WM-Tunnel-Version: 1\r\n' +
			    `WM-Envelope-Sender: ${sender}\r\n` +
			    recipients.map((r) => `WM-Envelope-Recipient: ${r}\r\n`)
				.join('') + extra + '\r\n';
			const signed = execFileSync('openssl', ['cms', '-sign',
				'-binary', '-nodetach', '-signer', cert, '-inkey', key],
			{ input: Buffer.concat([Buffer.from(head), original]) });
			return execFileSync('openssl', ['cms', '-encrypt', '-binary',
				'-aes256', '-from', `${name}@corp.example`, '-to', relay,
				'-subject', 'tunnel', relayCert], { input: signed });
		},
	};
}

// One SMTP transaction to the instance's smtp listener (python3 smtplib).
export function smtpSend(inst, from, to, data) {
	const [host, port] = listen(inst, 'smtp').split(':');
	execFileSync('python3', ['-c', `
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=60)
s.sendmail(sys.argv[3], sys.argv[4].split(','), sys.stdin.buffer.read())
s.quit()
`, host, port, from, to.join(',')], { input: data });
}

// The files of a user's maildir (new/ and cur/), full paths.
export function maildirFiles(inst, address) {
	const box = join(inst.dir, 'mail', address.replace(/[^A-Za-z0-9._+-]/g,
		(c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`));
	return ['new', 'cur'].flatMap((sub) => {
		const d = join(box, sub);
		return existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : [];
	});
}
