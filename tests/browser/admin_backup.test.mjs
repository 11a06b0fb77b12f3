// admin_backup.test.mjs - the console's System backup, Backup configuration,
// Log export and Log export config pages (guide 8 and 9, figures 20-23) in
// a real browser on a fresh instance:
//  - a schedule set through the page is what `wm-cron list --json` shows; a
//    schedule Quartz refuses is a field error and saves nothing;
//  - every page shows its job's last run, result and next run, and the
//    configuration pages the guide's cron examples beside the field;
//  - Test connection reports a missing share setting;
//  - a backup downloaded (encrypted) opens with stock gpg and tar, and
//    uploaded again restores the settings (the pending restore done by the
//    instance's root cron loop), after which the services run;
//  - a log export downloaded holds the box's logs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInstance, launch, listen, until, wm } from './lib.mjs';

const ADMIN_PW = 'Harbour-Backup-Lantern-58';
let inst, browser, page, admin, work;

async function submit(button) {
	const [r] = await Promise.all([page.waitForNavigation(), button.click()]);
	return r;
}

async function go(path) {
	const r = await page.goto(`${admin}${path}`);
	assert.ok(r.status() < 400, `${path}: ${r.status()}`);
	return r;
}

function jobs() {
	return JSON.parse(wm(inst, 'wm-cron', ['list', '--json']));
}

async function download(button) {
	const [d] = await Promise.all([page.waitForEvent('download'), button.click()]);
	const path = join(work, d.suggestedFilename());
	await d.saveAs(path);
	return path;
}

before(async () => {
	inst = await createInstance();
	work = mkdtempSync(join(inst.dir, 'work.'));
	// The console runs as wm.  It reads the HTTPS key for a backup: give
	// the wm group read access to it, as the box's installation does.
	const wmGid = Number(execFileSync('id', ['-g', 'wm'], { encoding: 'utf8' }));
	chownSync(join(inst.dir, 'tls'), 0, wmGid);
	chmodSync(join(inst.dir, 'tls'), 0o750);
	chownSync(join(inst.dir, 'tls/server.pem'), 0, wmGid);
	chmodSync(join(inst.dir, 'tls/server.pem'), 0o640);
	admin = `https://${listen(inst, 'admin')}/admin`;
	browser = await launch({ acceptDownloads: true });
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
	await browser?.close();
	inst?.stop();
});

describe('backup configuration', () => {
	it('shows the guide cron examples beside the field and the job state', async () => {
		await go('/backup/config');
		const ex = await page.locator('#cron-examples').textContent();
		assert.match(ex, /0 0 12 \* \* \?\s*Backup at 12pm \(noon\) every day/);
		assert.match(ex, /0 0 2 \* \* \?\s*Backup at 2am every day/);
		assert.match(ex, /0 0 23 1\/7 \* \?\s*Backup at 11pm every 7 days/);
		assert.equal(await page.inputValue('#cron'), '0 0 2 * * ?');
		assert.match(await page.locator('#job-last').textContent(), /never/);
		assert.match(await page.locator('#job-next').textContent(), /disabled/);
	});

	it('refuses a schedule Quartz refuses, saving nothing', async () => {
		await page.fill('#cron', '0 0 12 * * *');
		await page.check('#enabled');
		const r = await submit(page.locator('#save'));
		assert.equal(r.status(), 400);
		assert.match(await page.locator('#cron-error').textContent(), /day-of-week/);
		const b = jobs().find((j) => j.name === 'backup');
		assert.equal(b.expression, '0 0 2 * * ?');
		assert.equal(b.enabled, false);
	});

	it('saves a schedule that wm-cron list --json then shows', async () => {
		await go('/backup/config');
		await page.fill('#cron', '0 30 1 ? * MON-FRI');
		await page.check('#enabled');
		await page.fill('#smb-directory', 'box/backups');
		await page.fill('#smb-password', 'share pass');
		await page.selectOption('#strategy', 'day-of-month');
		await submit(page.locator('#save'));
		assert.match(await page.locator('main').textContent(), /Saved/);
		const b = jobs().find((j) => j.name === 'backup');
		assert.equal(b.expression, '0 30 1 ? * MON-FRI');
		assert.equal(b.enabled, true);
		assert.match(b.next_run, /T01:30:00/);
		assert.match(await page.locator('#job-next').textContent(), /T01:30:00/);
		assert.equal(wm(inst, 'wm-prefs', ['get', 'backup-strategy']).trim(), 'day-of-month');
		assert.equal(wm(inst, 'wm-prefs', ['get', 'backup-smb-password']).trim(), '(set)');
		// The password is never shown back.
		assert.equal(await page.inputValue('#smb-password'), '');
		assert.doesNotMatch(await page.content(), /share pass/);
	});

	it('Test connection names what is missing', async () => {
		await submit(page.locator('#test'));
		assert.match(await page.locator('.error').textContent(), /no SMB server or share is configured/);
	});
});

describe('log export config', () => {
	it('saves its own schedule, beside the examples', async () => {
		await go('/logexport/config');
		assert.match(await page.locator('#cron-examples').textContent(), /Export logs at 2am every day/);
		assert.equal(await page.inputValue('#cron'), '0 0 3 * * ?');
		await page.fill('#cron', '0 15 3 L * ?');
		await page.check('#enabled');
		await page.fill('#last-modified', '120');
		await submit(page.locator('#save'));
		const l = jobs().find((j) => j.name === 'logexport');
		assert.equal(l.expression, '0 15 3 L * ?');
		assert.equal(l.enabled, true);
		assert.equal(wm(inst, 'wm-prefs', ['get', 'logexport-last-modified']).trim(), '120');
	});
});

describe('system backup', () => {
	it('downloads an encrypted backup that stock gpg and tar open', async () => {
		wm(inst, 'wm-prefs', ['set', 'comment', 'as backed up']);
		await go('/backup');
		assert.match(await page.locator('#job-result').textContent(), /never|ok|failed/);
		await page.fill('#b-password', 'console secret');
		const file = await download(page.locator('#backup'));
		assert.match(file, /wm-backup-\d{13}\.tar\.gpg$/);
		const home = mkdtempSync(join(work, 'gpg.'));
		const tar = execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode',
			'loopback', '--passphrase-fd', '0', '--decrypt', file],
		{ input: 'console secret\n', stdio: ['pipe', 'pipe', 'ignore'] });
		const list = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' });
		assert.match(list, /^MANIFEST$/m);
		assert.match(list, /^db\/wm\.db$/m);
		assert.match(list, /^tls\/server\.pem$/m);
		inst.backup = file;
	});

	it('refuses a wrong password, changing nothing', async () => {
		wm(inst, 'wm-prefs', ['set', 'comment', 'changed later']);
		await go('/backup');
		await page.setInputFiles('#file', inst.backup);
		await page.fill('#r-password', 'not it');
		await page.check('#understood');
		await submit(page.locator('#restore'));
		assert.match(await page.locator('.error').textContent(), /wrong password/);
		assert.equal(wm(inst, 'wm-prefs', ['get', 'comment']).trim(), 'changed later');
	});

	it('restores an uploaded backup: settings back, services running', async () => {
		await page.setInputFiles('#file', inst.backup);
		await page.fill('#r-password', 'console secret');
		await page.check('#understood');
		await submit(page.locator('#restore'));
		assert.match(await page.locator('.notice').textContent(), /verified/);
		await until(() => wm(inst, 'wm-prefs', ['get', 'comment']).trim() === 'as backed up',
			130000, 'the pending restore');
		await until(() => /"lighttpd": "running"/.test(wm(inst, 'wm-ctl', ['status', '--json'])),
			30000, 'lighttpd back');
		// Audited once the services are back.
		await until(() => Number(execFileSync('sqlite3', ['-cmd', '.timeout 10000',
			join(inst.dir, 'db/wm.db'),
			"SELECT count(*) FROM audit WHERE action = 'backup-restore'"],
		{ encoding: 'utf8' })) >= 1, 60000, 'the restore audited');
	});
});

describe('log export', () => {
	it('downloads the logs of the box', async () => {
		await page.goto(`${admin}/login`);
		if (/\/login/.test(page.url())) {
			await page.fill('#name', 'admin');
			await page.fill('#password', ADMIN_PW);
			await submit(page.locator('main button[type=submit]'));
		}
		await go('/logexport');
		assert.match(await page.locator('#job-expr').textContent(), /0 0 3 \* \* \?|0 15 3 L \* \?/);
		const file = await download(page.locator('#export'));
		assert.match(file, /wm-logs-\d{13}\.tar$/);
		const list = execFileSync('tar', ['-tf', file], { encoding: 'utf8' });
		assert.match(list, /^log\/wm\.log$/m);
		// Logs the console may not read (root's) are named, not left out silently.
		for (const f of ['ctl.log', 'postfix.log']) {
			const inTar = new RegExp(`^log/${f.replace('.', '\\.')}$`, 'm').test(list);
			const skipped = /^SKIPPED$/m.test(list) && execFileSync('tar',
				['-xOf', file, 'SKIPPED'], { encoding: 'utf8' }).includes(f);
			assert.ok(inTar || skipped, `${f} exported or named as skipped`);
		}
	});
});
