<?cs include:"header.cs" ?>
<section aria-labelledby="pw-h" class="card">
<h2 id="pw-h">Change password</h2>
<form method="post" action="<?cs var:Page.base ?>/settings/password">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="current">Current password</label>
<input id="current" name="current" type="password" autocomplete="current-password" required></p>
<?cs include:"password_fields.cs" ?>
<p><button type="submit">Change password</button></p>
</form>
</section>
<section aria-labelledby="tf-h" class="card">
<h2 id="tf-h">Two-factor authentication</h2>
<?cs if:Settings.totp_enabled ?>
<p>Two-factor authentication is <strong>on</strong>. You have <?cs var:Settings.recovery_left ?> unused recovery codes.</p>
<form method="post" action="<?cs var:Page.base ?>/settings/totp/disable">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="current2">Current password</label>
<input id="current2" name="current" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Turn off two-factor authentication</button></p>
</form>
<?cs else ?>
<p>Two-factor authentication is <strong>off</strong>. With it on, logging in also needs a code
from an authenticator app on your phone.</p>
<form method="post" action="<?cs var:Page.base ?>/settings/totp/begin">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="current3">Current password</label>
<input id="current3" name="current" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Set up two-factor authentication</button></p>
</form>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
