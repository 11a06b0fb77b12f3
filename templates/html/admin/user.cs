<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<nav class="links" aria-label="Related pages"><p><a href="<?cs var:Page.base ?>/templates?u=<?cs var:User.id ?>">templates</a> | <a href="<?cs var:Page.base ?>/users/<?cs var:User.id ?>/quota">quota</a></p></nav>
<section class="card mailbox">
<h2>Mailbox</h2>
<p>Location: <span class="mono" id="location"><?cs var:User.mailbox ?></span><br>
Disk usage: <span id="usage"><?cs var:User.usage ?></span><br>
Quota: <span id="quota" data-bytes="<?cs var:User.quota_bytes ?>"><?cs var:User.quota ?></span> (from <?cs var:User.quota_from ?>)</p>
<p id="password-state"><?cs if:User.password == 1 ?>Password is set<?cs else ?>Password is not set<?cs /if ?></p>
<p>Account: <span id="account-state"><?cs if:User.enabled == 1 ?>enabled<?cs else ?>disabled<?cs /if ?></span><br>
Last login: <span id="last-login"><?cs var:User.last_login ?></span><br>
Two-factor login: <span id="totp-state"><?cs if:User.totp == 1 ?>on<?cs else ?>off<?cs /if ?></span><br>
Created: <?cs var:User.created ?>; last sign-up mail: <?cs var:User.last_invite ?></p>
<div class="actions">
<?cs if:User.enabled == 1 ?><form class="inline" method="post" action="<?cs var:Page.base ?>/users/<?cs var:User.id ?>/disable"><?cs call:csrf() ?><button type="submit">disable</button></form>
<?cs else ?><form class="inline" method="post" action="<?cs var:Page.base ?>/users/<?cs var:User.id ?>/enable"><?cs call:csrf() ?><button type="submit">enable</button></form><?cs /if ?>
<?cs if:User.totp == 1 ?><form class="inline" method="post" action="<?cs var:Page.base ?>/users/<?cs var:User.id ?>/reset-2fa"><?cs call:csrf() ?><button type="submit">reset two-factor</button></form><?cs /if ?>
<?cs if:User.password == 0 ?><form class="inline" method="post" action="<?cs var:Page.base ?>/users/<?cs var:User.id ?>/signup"><?cs call:csrf() ?><button type="submit">send the sign-up again</button></form><?cs /if ?>
<form class="inline" method="post" action="<?cs var:Page.base ?>/users/<?cs var:User.id ?>/delete"><?cs call:csrf() ?><button type="submit" class="danger">delete user</button></form>
</div>
</section>
<form class="card" method="post" action="<?cs var:Page.base ?>/users/<?cs var:User.id ?>/password">
<?cs call:csrf() ?>
<h2>Change password</h2>
<p><label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<?cs call:field_error("password") ?></p>
<p><label for="password2">New password again</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required>
<?cs call:field_error("password2") ?></p>
<p><button type="submit">change password</button></p>
</form>
<h2>Settings</h2>
<?cs include:"prefs_form.cs" ?>
<?cs include:"footer.cs" ?>
