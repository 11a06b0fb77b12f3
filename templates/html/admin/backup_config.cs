<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<?cs if:Cfg.prefix == "logexport" ?><?cs set:What = "Export logs" ?><?cs set:Auto = "Automatic log export" ?><?cs else ?><?cs set:What = "Backup" ?><?cs set:Auto = "Automatic backup" ?><?cs /if ?>
<div class="grid">
<form class="card" method="post" action="<?cs var:Page.base ?>/<?cs var:Cfg.prefix ?>/config" aria-labelledby="smb-h">
<?cs call:csrf() ?>
<h2 id="smb-h">SMB share settings</h2>
<p><label for="smb-domain">Domain</label><input id="smb-domain" name="smb-domain" type="text" placeholder="server domain" value="<?cs var:Cfg.smb_domain ?>"><?cs call:field_error("smb-domain") ?></p>
<p><label for="smb-user">User</label><input id="smb-user" name="smb-user" type="text" placeholder="user name" autocomplete="off" value="<?cs var:Cfg.smb_user ?>"><?cs call:field_error("smb-user") ?></p>
<p><label for="smb-password">Password</label><input id="smb-password" name="smb-password" type="password" autocomplete="new-password" placeholder="<?cs if:Cfg.smb_password ?>(set; empty keeps it)<?cs else ?>password for user<?cs /if ?>"><?cs call:field_error("smb-password") ?></p>
<p><label for="smb-server">Server</label><input id="smb-server" name="smb-server" type="text" placeholder="server address" value="<?cs var:Cfg.smb_server ?>"><?cs call:field_error("smb-server") ?></p>
<p><label for="smb-port">Port</label><input id="smb-port" name="smb-port" type="number" min="1" max="65535" placeholder="server port" value="<?cs var:Cfg.smb_port ?>"><?cs call:field_error("smb-port") ?></p>
<p><label for="smb-share">Share</label><input id="smb-share" name="smb-share" type="text" placeholder="name of the share" value="<?cs var:Cfg.smb_share ?>"><?cs call:field_error("smb-share") ?></p>
<p><label for="smb-directory">Directory</label><input id="smb-directory" name="smb-directory" type="text" placeholder="directory to use" value="<?cs var:Cfg.smb_directory ?>"><?cs call:field_error("smb-directory") ?></p>
<h2 id="auto-h"><?cs var:Auto ?></h2>
<p><label><input type="checkbox" id="enabled" name="enabled" value="yes"<?cs if:Cfg.enabled == "yes" ?> checked<?cs /if ?>> Enabled</label></p>
<p><label for="cron">cron expression</label><input id="cron" name="cron" type="text" placeholder="schedule" value="<?cs var:Cfg.cron ?>"><?cs call:field_error("cron") ?></p>
<p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="new-password" placeholder="<?cs if:Cfg.password ?>(set; empty keeps it)<?cs else ?>encryption password<?cs /if ?>"><?cs if:Cfg.password ?> <label><input type="checkbox" name="clear-password" id="clear-password"> no password</label><?cs /if ?><?cs call:field_error("password") ?></p>
<h2 id="other-h">Other</h2>
<p><label for="strategy">Strategy</label><select id="strategy" name="strategy">
<option value="day-of-week"<?cs if:Cfg.strategy == "day-of-week" ?> selected<?cs /if ?>>day of week (1-7)</option>
<option value="day-of-month"<?cs if:Cfg.strategy == "day-of-month" ?> selected<?cs /if ?>>day of month (1-31)</option>
<option value="day-of-year"<?cs if:Cfg.strategy == "day-of-year" ?> selected<?cs /if ?>>day of year (1-366)</option>
<option value="timestamp"<?cs if:Cfg.strategy == "timestamp" ?> selected<?cs /if ?>>timestamp (ms since 1970 UTC)</option>
</select><?cs call:field_error("strategy") ?></p>
<?cs if:Cfg.prefix == "logexport" ?><p><label for="last-modified">last modified</label><input id="last-modified" name="last-modified" type="number" min="0" placeholder="export if modified in last n minutes" value="<?cs var:Cfg.last_modified ?>"><?cs call:field_error("last-modified") ?></p><?cs /if ?>
<p><button type="submit" id="save">Save</button></p>
</form>
<div>
<form class="card" method="post" action="<?cs var:Page.base ?>/<?cs var:Cfg.prefix ?>/test">
<?cs call:csrf() ?>
<p>Test whether the share can be used with the saved settings.</p>
<p><button type="submit" id="test">Test connection</button></p>
</form>
<section class="card" aria-labelledby="ex-h">
<h2 id="ex-h">Cron expression examples</h2>
<table id="cron-examples"><thead><tr><th>Expression</th><th>Meaning</th></tr></thead><tbody>
<tr><td><code>0 0 12 * * ?</code></td><td><?cs var:What ?> at 12pm (noon) every day</td></tr>
<tr><td><code>0 0 2 * * ?</code></td><td><?cs var:What ?> at 2am every day</td></tr>
<tr><td><code>0 0 23 1/7 * ?</code></td><td><?cs var:What ?> at 11pm every 7 days every month, starting on the first day of the month.</td></tr>
</tbody></table>
</section>
<?cs include:"backup_status.cs" ?>
</div>
</div>
<?cs include:"footer.cs" ?>
