<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/password">
<?cs call:csrf() ?>
<p><label for="current">Current password</label>
<input id="current" name="current" type="password" autocomplete="current-password" required>
<?cs call:field_error("current") ?></p>
<p><label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<?cs call:field_error("password") ?></p>
<p><label for="password2">New password again</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required>
<?cs call:field_error("password2") ?></p>
<p class="rules">Not based on your name, no keyboard sequence of more than 5 characters, no character more than 5 times in a row, and strong enough by the NIST SP 800-63 estimate.</p>
<p><button type="submit">Change password</button></p>
</form>
<?cs include:"footer.cs" ?>
